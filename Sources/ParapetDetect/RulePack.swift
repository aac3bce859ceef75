import Foundation
import ParapetCore
import Yams

/// A rule pack: detection rules as data (YAML). See docs/rules.md for the format.
public struct RulePack: Sendable, Hashable, Codable {
    public var pack: String
    public var version: String?
    public var description: String?
    public var rules: [Rule]

    public init(pack: String, version: String? = nil, description: String? = nil, rules: [Rule]) {
        self.pack = pack
        self.version = version
        self.description = description
        self.rules = rules
    }

    /// Parses a YAML rule pack.
    public static func parse(yaml: String, origin: String = "<yaml>") throws -> RulePack {
        do {
            return try YAMLDecoder().decode(RulePack.self, from: yaml)
        } catch {
            throw RulePackError(origin: origin, message: "\(error)")
        }
    }

    public static func load(path: String) throws -> RulePack {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RulePackError(origin: path, message: "cannot read the file")
        }
        return try parse(yaml: String(decoding: data, as: UTF8.self), origin: path)
    }

    /// The packs shipped in `Resources/rules/` (the default pack first).
    public static func shipped() throws -> [RulePack] {
        guard let dir = Bundle.module.url(forResource: "Resources/rules", withExtension: nil) else {
            throw RulePackError(origin: "Resources/rules", message: "resource folder missing from the bundle")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted { a, b in
                (a.hasPrefix("default") ? "0" + a : "1" + a) < (b.hasPrefix("default") ? "0" + b : "1" + b)
            }
        return try files.map { try load(path: dir.appendingPathComponent($0).path) }
    }
}

public struct RulePackError: Error, Sendable, CustomStringConvertible {
    public var origin: String
    public var message: String
    public var description: String { "\(origin): \(message)" }
}

/// One detection rule.
public struct Rule: Sendable, Hashable, Codable {
    public var id: String
    public var title: String
    /// Alert type raised when the rule alerts alone (e.g. `jailbreak.direct`).
    public var type: String
    public var subtype: String?
    /// Free grouping for reports (e.g. `instruction_override`, `persona`, `harm_lexicon`).
    public var category: String?
    public var severity: String = "medium"
    /// How sure a match is (0-1): also the weight the rule adds to its signal's score.
    public var confidence: Double
    /// The score the rule feeds: jailbreak, injection (prompt or indirect by role), prompt_injection,
    /// indirect_injection, reconnaissance, many_shot, refusal, system_prompt_leak, harm.<category>, hazard_topic, none.
    public var signal: String
    /// Raise a finding on a match alone (only for precise rules); otherwise the rule only adds evidence and score.
    public var alert: Bool = false
    /// Word-sense guards only: the sense is strong enough to damp operational harm rules too ("make a bomb in
    /// Minecraft", "hack a pumpkin"), not only the classifier and evidence rules.
    public var dampsOperational: Bool = false
    /// Roles the rule applies to (default: user, document, tool).
    public var roles: [Role]?
    public var mitreAtlas: [String]?
    public var owasp: [String]?
    public var remediation: String?
    public var patterns: Patterns
    public var examples: Examples?

    public struct Patterns: Sendable, Hashable, Codable {
        /// Literal phrases (whole words, case-insensitive after normalisation); any one matches.
        public var phrases: [String]?
        /// Each clause: one word/phrase from every slot, all within `within` tokens.
        public var near: [Near]?
        /// Regular expressions (linted: no nested quantifiers); avoid, they are slower.
        public var regex: [String]?
        /// How many distinct phrases must match (default 1).
        public var minMatches: Int?
        /// The rule matches only texts of at most this many words (short questions: "what is X?").
        public var maxWords: Int?
        /// Phrases that veto the rule: when one occurs anywhere in the text, the rule does not match ("debunk" for
        /// a rule on writing misinformation). Same matching as `phrases`.
        public var unless: [String]?

        enum CodingKeys: String, CodingKey {
            case phrases, near, regex, unless
            case minMatches = "min_matches", maxWords = "max_words"
        }
    }

    public struct Near: Sendable, Hashable, Codable {
        public var words: [[String]]
        public var within: Int
    }

    public struct Examples: Sendable, Hashable, Codable {
        public var positive: [String]?
        public var negative: [String]?
    }

    enum CodingKeys: String, CodingKey {
        case id, title, type, subtype, category, severity, confidence, signal, alert, roles, remediation, patterns, examples
        case mitreAtlas = "mitre_atlas", owasp, dampsOperational = "damps_operational"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        type = try c.decode(String.self, forKey: .type)
        subtype = try c.decodeIfPresent(String.self, forKey: .subtype)
        category = try c.decodeIfPresent(String.self, forKey: .category)
        severity = try c.decodeIfPresent(String.self, forKey: .severity) ?? "medium"
        confidence = try c.decode(Double.self, forKey: .confidence)
        signal = try c.decode(String.self, forKey: .signal)
        alert = try c.decodeIfPresent(Bool.self, forKey: .alert) ?? false
        dampsOperational = try c.decodeIfPresent(Bool.self, forKey: .dampsOperational) ?? false
        roles = try c.decodeIfPresent([Role].self, forKey: .roles)
        mitreAtlas = try c.decodeIfPresent([String].self, forKey: .mitreAtlas)
        owasp = try c.decodeIfPresent([String].self, forKey: .owasp)
        remediation = try c.decodeIfPresent(String.self, forKey: .remediation)
        patterns = try c.decode(Patterns.self, forKey: .patterns)
        examples = try c.decodeIfPresent(Examples.self, forKey: .examples)
    }

    public var appliesTo: [Role] { roles ?? [.user, .document, .tool] }
}

// MARK: - Lint

public struct LintIssue: Sendable, Hashable, CustomStringConvertible {
    public enum Level: String, Sendable { case error, warning }
    public var level: Level
    public var rule: String
    public var message: String
    public var description: String { "\(level.rawValue): \(rule): \(message)" }
}

public enum RuleLinter {
    public static let signals: Set<String> = Set([
        "jailbreak", "injection", "prompt_injection", "indirect_injection", "reconnaissance", "many_shot", "refusal",
        "system_prompt_leak", "none", "benign_sense", "sense_veto", "hazard_topic",
    ] + HarmCategory.allCases.map { "harm." + $0.rawValue })

    public static func lint(_ packs: [RulePack]) -> [LintIssue] {
        var issues: [LintIssue] = []
        var seen: Set<String> = []
        for pack in packs {
            for r in pack.rules {
                func err(_ m: String) { issues.append(LintIssue(level: .error, rule: r.id, message: m)) }
                func warn(_ m: String) { issues.append(LintIssue(level: .warning, rule: r.id, message: m)) }
                if !seen.insert(r.id).inserted { err("duplicate rule id") }
                if r.id.isEmpty || r.id.contains(where: { $0 == " " }) { err("id must be non-empty without spaces") }
                if !(0...1).contains(r.confidence) { err("confidence must be between 0 and 1") }
                if Severity(name: r.severity) == nil { err("unknown severity '\(r.severity)'") }
                if !signals.contains(r.signal) { err("unknown signal '\(r.signal)'") }
                if !r.type.contains(".") && !["reconnaissance", "credential_leak", "system_prompt_leak", "malicious_url", "ascii_smuggling"].contains(r.type) {
                    warn("type '\(r.type)' does not look like a catalog alert type")
                }
                let p = r.patterns
                let nPhr = p.phrases?.count ?? 0, nNear = p.near?.count ?? 0, nRe = p.regex?.count ?? 0
                if nPhr + nNear + nRe == 0 { err("no patterns") }
                for ph in p.phrases ?? [] where ph.trimmingCharacters(in: .whitespaces).count < 3 {
                    err("phrase '\(ph)' is too short (< 3 characters)")
                }
                for nr in p.near ?? [] {
                    if nr.words.count < 2 { err("a 'near' clause needs at least 2 slots") }
                    if nr.within < 1 || nr.within > 64 { err("'within' must be 1...64 tokens") }
                    if nr.words.contains(where: \.isEmpty) { err("a 'near' slot is empty") }
                }
                for re in p.regex ?? [] {
                    if let why = regexHazard(re) { err("regex '\(re)': \(why)") }
                    if (try? NSRegularExpression(pattern: re)) == nil { err("regex '\(re)' does not compile") }
                }
                if r.alert && r.confidence < 0.8 { warn("alerting rule with confidence < 0.8: is it precise enough?") }
                if (r.examples?.positive ?? []).isEmpty { warn("no positive example") }
                if (r.examples?.negative ?? []).isEmpty { warn("no negative example") }
                if r.mitreAtlas == nil && r.signal != "none" && r.signal != "refusal" && r.signal != "benign_sense"
                    && r.signal != "sense_veto" { warn("no MITRE ATLAS mapping") }
            }
        }
        return issues
    }

    /// Catastrophic-backtracking hazards: a quantified group that itself contains a quantifier
    /// (`(a+)+`, `(\w*x)*`, `(a|aa)+`), and unbounded `.*` repeated more than twice.
    public static func regexHazard(_ re: String) -> String? {
        let chars = Array(re)
        var stack: [Bool] = []  // per open group: contains a quantifier / alternation
        var escaped = false
        var inClass = false
        var i = 0
        var dotStars = 0
        while i < chars.count {
            let c = chars[i]
            defer { i += 1 }
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if inClass { if c == "]" { inClass = false }; continue }
            if c == "[" { inClass = true; continue }
            if c == "(" { stack.append(false); continue }
            let isQuant = c == "*" || c == "+" || (c == "{" && i + 1 < chars.count && chars[i + 1].isNumber)
            if c == "." && i + 1 < chars.count && (chars[i + 1] == "*" || chars[i + 1] == "+") { dotStars += 1 }
            if c == ")" {
                let inner = stack.popLast() ?? false
                let next: Character? = i + 1 < chars.count ? chars[i + 1] : nil
                let quantified = next == "*" || next == "+" || next == "{"
                if inner && quantified { return "nested quantifier (a quantified group containing a quantifier or alternation)" }
                if inner, !stack.isEmpty { stack[stack.count - 1] = true }
                continue
            }
            if (isQuant || c == "|"), !stack.isEmpty { stack[stack.count - 1] = true }
        }
        if dotStars > 2 { return "more than two unbounded '.*' (polynomial backtracking)" }
        return nil
    }
}
