import Foundation

/// The refusal detector's phrase lists and scoring numbers (`Resources/responses/refusals.yaml`; a deployment can
/// name its own file: `StandardDetectors.Options.refusalPhrasesPath`, env `PARAPET_REFUSALS`, config key
/// `engine.refusals_file`). Every key is required; values are checked when the file is loaded.
public struct RefusalPhrases: Sendable, Hashable, Codable {
    public struct Scoring: Sendable, Hashable, Codable {
        /// Score of the best strong phrase by where it starts.
        public struct Strong: Sendable, Hashable, Codable {
            /// Before `leadBytes`.
            public var lead: Double
            /// Before `middleBytes`.
            public var middle: Double
            /// Further on.
            public var late: Double
        }

        /// Score of the weak phrases by how many start before `leadBytes`.
        public struct Weak: Sendable, Hashable, Codable {
            public var twoInLead: Double
            public var oneInLead: Double
            /// Weak phrases only after `leadBytes`.
            public var elsewhere: Double

            enum CodingKeys: String, CodingKey {
                case twoInLead = "two_in_lead", oneInLead = "one_in_lead", elsewhere
            }
        }

        /// In an answer longer than `bytes`, a score below `below` is multiplied by `factor`.
        public struct LongAnswer: Sendable, Hashable, Codable {
            public var bytes: Int
            public var below: Double
            public var factor: Double
        }

        /// Bytes from the start within which a phrase counts fully.
        public var leadBytes: Int
        /// End of the second band for strong phrases (larger than `leadBytes`).
        public var middleBytes: Int
        public var strong: Strong
        public var weak: Weak
        /// Added (up to 1) to a strong score that a weak phrase in the lead backs up.
        public var weakBonus: Double
        public var longAnswer: LongAnswer

        enum CodingKeys: String, CodingKey {
            case leadBytes = "lead_bytes", middleBytes = "middle_bytes", strong, weak, weakBonus = "weak_bonus"
            case longAnswer = "long_answer"
        }
    }

    public var version: Int
    /// A phrase from this list alone is a refusal when it opens the answer.
    public var strong: [String]
    /// A strong phrase directly followed by one of these is not a refusal ("I can't help but notice"); compared
    /// byte for byte with the normalised text after the phrase.
    public var notRefusalContinuations: [String]
    /// Politeness, caveats and disclaimers: they count by how many open the answer.
    public var weak: [String]
    public var scoring: Scoring

    enum CodingKeys: String, CodingKey {
        case version, strong, notRefusalContinuations = "not_refusal_continuations", weak, scoring
    }

    /// A file that cannot be used: names the file and, when it is about one value, its key (`scoring.strong.lead`,
    /// `strong[3]`).
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var key: String?
        public var message: String
        public var description: String { "\(file): " + (key.map { "key '\($0)': " } ?? "") + message }
    }

    /// The first problem in the values, if any (a deployment's own file is read at start-up, not trusted).
    var problem: (key: String, why: String)? {
        func list(_ name: String, _ items: [String], trimmed: Bool) -> (key: String, why: String)? {
            if items.isEmpty { return (name, "must list at least one phrase") }
            for (i, p) in items.enumerated() {
                let t = trimmed ? p.trimmingCharacters(in: .whitespacesAndNewlines) : p
                if t.isEmpty || (trimmed && Normalizer().fold(t).isEmpty) { return ("\(name)[\(i)]", "the phrase is empty") }
            }
            return nil
        }
        if let p = list("strong", strong, trimmed: true) { return p }
        if let p = list("weak", weak, trimmed: true) { return p }
        if let p = list("not_refusal_continuations", notRefusalContinuations, trimmed: false) { return p }
        for (i, c) in notRefusalContinuations.enumerated() where c != c.lowercased() {
            return ("not_refusal_continuations[\(i)]", "must be lower case (it is compared with the normalised text)")
        }
        let s = scoring
        if s.leadBytes < 1 { return ("scoring.lead_bytes", "must be at least 1, got \(s.leadBytes)") }
        if s.middleBytes <= s.leadBytes {
            return ("scoring.middle_bytes", "must be larger than lead_bytes (\(s.leadBytes)), got \(s.middleBytes)")
        }
        if s.longAnswer.bytes < 1 { return ("scoring.long_answer.bytes", "must be at least 1, got \(s.longAnswer.bytes)") }
        let scores: [(String, Double)] = [
            ("strong.lead", s.strong.lead), ("strong.middle", s.strong.middle), ("strong.late", s.strong.late),
            ("weak.two_in_lead", s.weak.twoInLead), ("weak.one_in_lead", s.weak.oneInLead),
            ("weak.elsewhere", s.weak.elsewhere), ("weak_bonus", s.weakBonus), ("long_answer.below", s.longAnswer.below),
            ("long_answer.factor", s.longAnswer.factor),
        ]
        for (key, v) in scores where !(0...1).contains(v) {
            return ("scoring." + key, "must be between 0 and 1, got \(v)")
        }
        return nil
    }

    /// Parses and checks a refusals file; `name` is the file named in errors.
    public static func load(yaml: String, name: String) throws -> RefusalPhrases {
        /// What the value at `path` should be, in the reader's words.
        func expected(_ path: [any CodingKey]) -> String {
            guard let k = DataFileDecoding.keyPath(path) else {
                return "the top level must be a map with the keys version, strong, not_refusal_continuations, weak and scoring"
            }
            if path.last?.intValue != nil { return "wrong type (expected a phrase)" }
            switch k {
            case "strong", "weak", "not_refusal_continuations": return "wrong type (expected a list of phrases)"
            case "scoring", "scoring.strong", "scoring.weak", "scoring.long_answer": return "wrong type (expected a map)"
            case "version", "scoring.lead_bytes", "scoring.middle_bytes", "scoring.long_answer.bytes":
                return "wrong type (expected a whole number)"
            default: return "wrong type (expected a number between 0 and 1)"
            }
        }
        let phrases: RefusalPhrases
        do {
            phrases = try DataFileDecoding.decode(RefusalPhrases.self, yaml: yaml, expected: expected)
        } catch {
            throw LoadError(file: name, key: error.key, message: error.message)
        }
        if let p = phrases.problem { throw LoadError(file: name, key: p.key, message: p.why) }
        return phrases
    }

    public static func load(file path: String) throws -> RefusalPhrases {
        let text: String
        do { text = try DataFileDecoding.read(file: path) } catch {
            throw LoadError(file: path, key: nil, message: error.message)
        }
        return try load(yaml: text, name: path)
    }

    /// The shipped file, `Resources/responses/refusals.yaml`.
    public static func bundled() throws -> RefusalPhrases {
        guard let url = Bundle.module.url(forResource: "Resources/responses/refusals", withExtension: "yaml") else {
            throw LoadError(file: "Resources/responses/refusals.yaml", key: nil, message: "resource missing from the bundle")
        }
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw LoadError(file: url.path, key: nil, message: "cannot read the file")
        }
        return try load(yaml: text, name: "refusals.yaml")
    }

    /// The shipped file, read once (for `RefusalDetector()`; `StandardDetectors.make` reports a broken bundle as an
    /// error instead). The file is part of the build and a test loads it, so failing here is a packaging bug.
    public static let shipped: RefusalPhrases = {
        do { return try bundled() } catch { preconditionFailure("\(error)") }
    }()
}
