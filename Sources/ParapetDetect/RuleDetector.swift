import ParapetCore

/// Runs the compiled rule packs over the normalised text and over hidden / decoded text.
/// Each matching rule adds an indicator and raises its signal's score (noisy-or with what is there);
/// rules marked `alert: true` also raise a finding on their own.
public struct RuleDetector: MessageDetector {
    public let id = "rules"
    public let ruleSet: RuleSet

    public init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
    }

    public init(packs: [RulePack]) throws {
        self.ruleSet = try RuleSet(packs: packs)
    }

    public func analyze(_ input: DetectorInput, into a: inout MessageAnalysis) {
        let role = input.role
        guard role != .system else { return }
        var hits: [AhoCorasick.Hit] = []
        hits.reserveCapacity(256)  // common words hit: a growing buffer was reallocated about 7 times a prompt
        let n = input.normalized
        var fired: Set<Int> = []
        var matches: [(RuleSet.Match, String?)] = []
        // The normalised text, then hidden and decoded text (no array of them per message).
        func scan(_ text: String, _ encoding: String?) {
            for m in ruleSet.match(text, role: role, hits: &hits) where !fired.contains(m.rule) {
                fired.insert(m.rule)
                matches.append((m, encoding))
            }
        }
        scan(n.text, nil)
        if let s = n.smuggledText { scan(s, "tag_characters") }
        for p in n.decodedPayloads { scan(p.text, p.encoding.rawValue) }
        // Word-sense guards first (`benign_sense`, plain text only): a computing / cooking / sports / photography
        // sense of a violent word damps the classifier's harm scores, before any harm rule adds its own weight.
        var damp = 0.0, dampOperational = 0.0
        // A sense decides the meaning of a short question ("how do I kill someone in Call of Duty?"); in a long
        // prompt one computing or game word says little about the ask, so the guard is capped lower there.
        let cap = n.text.utf8.count > Self.shortQuestionBytes ? Self.maxGuardLong : Self.maxGuard
        // A `sense_veto` rule ("the real chemicals", "a real person") cancels the strong senses (`damps_operational`:
        // games, figures of speech, computing ...): asked for the real thing, the frame is a disguise.
        let vetoed = matches.contains { $0.1 == nil && ruleSet.rules[$0.0.rule].signal == Self.senseVeto }
        for (m, encoding) in matches where encoding == nil && ruleSet.rules[m.rule].signal == Self.benignSense {
            let r = ruleSet.rules[m.rule]
            if vetoed && r.dampsOperational { continue }
            damp = max(damp, min(cap, r.confidence))
            if r.dampsOperational { dampOperational = max(dampOperational, min(cap, r.confidence)) }
            a.add(Indicator(id: "rule:" + r.id, kind: "guard", title: r.title, score: r.confidence, match: String(m.text.prefix(120))))
        }
        if damp > 0 {
            for c in HarmCategory.allCases { a.scores[c] *= (1 - damp) }
        }
        for (m, encoding) in matches where ruleSet.rules[m.rule].signal != Self.benignSense && ruleSet.rules[m.rule].signal != Self.senseVeto {
            let r = ruleSet.rules[m.rule]
            var weight = min(1, r.confidence * (m.count > 1 ? 1.15 : 1))
            // A guard's sense also weakens harm *evidence* (a lexicon rule below the alert bar: "steal" in
            // "stealing a car in GTA"); operational harm rules (>= 0.5) keep their full weight, except under the
            // strong senses (games, figures of speech, computing, cooking: `damps_operational`). A story or film
            // frame never damps them: that is the jailbreak's own disguise.
            if r.signal.hasPrefix("harm.") { weight *= 1 - (r.confidence < 0.5 ? damp : dampOperational) }
            a.add(Indicator(id: "rule:" + r.id, kind: "rule", title: r.title, score: weight, match: String(m.text.prefix(120))))
            if let encoding {
                a.add(Indicator(id: "encoding:" + encoding, kind: "encoding", title: "Rule matched inside \(encoding)-encoded text",
                                score: weight))
            }
            let signal = Self.resolve(r.signal, role: role)
            Self.raise(signal, by: weight, in: &a.scores)
            if signal == "jailbreak" { a.jailbreakFromRules = 1 - (1 - a.jailbreakFromRules) * (1 - weight) }
            if let st = encoding != nil && signal == "jailbreak" ? "encoding" : r.subtype {
                let prev = a.subtypeWeights[signal] ?? 0
                if weight > prev {
                    a.subtypes[signal] = st
                    a.subtypeWeights[signal] = weight
                }
            }
            if r.alert {
                let type = AlertType(rawValue: r.type)
                if !a.findings.contains(where: { $0.type == type }) {
                    a.findings.append(Finding(
                        type: type, subtype: encoding != nil && type == .jailbreakDirect ? "encoding" : r.subtype,
                        severity: Severity(name: r.severity) ?? .medium, confidence: r.confidence,
                        indicators: [Indicator(id: "rule:" + r.id, kind: "rule", title: r.title, score: weight,
                                               match: String(m.text.prefix(120)))],
                        scores: a.scores.named, detector: "rules." + r.id))
                }
            }
        }
    }

    /// Signal of word-sense guard rules: they lower the classifier's harm scores instead of raising a score.
    static let benignSense = "benign_sense"
    /// Signal of rules that cancel the word-sense guards of a message.
    static let senseVeto = "sense_veto"
    /// The most a guard can take off the classifier's harm scores (a guard never silences a harm rule).
    static let maxGuard = 0.7
    /// The cap for prompts longer than `shortQuestionBytes`.
    static let maxGuardLong = 0.5
    static let shortQuestionBytes = 400

    /// `injection` means prompt injection in user text and indirect injection in documents / tool output.
    static func resolve(_ signal: String, role: Role) -> String {
        if signal == "injection" { return role.isExternalContent ? "indirect_injection" : "prompt_injection" }
        return signal
    }

    static func raise(_ signal: String, by w: Double, in s: inout MessageScores) {
        func or(_ x: Double) -> Double { 1 - (1 - x) * (1 - w) }
        switch signal {
        case "jailbreak": s.jailbreak = or(s.jailbreak)
        case "prompt_injection": s.promptInjection = or(s.promptInjection)
        case "indirect_injection": s.indirectInjection = or(s.indirectInjection)
        case "reconnaissance": s.reconnaissance = or(s.reconnaissance)
        case "many_shot": s.manyShot = or(s.manyShot)
        case "refusal": s.refusal = or(s.refusal)
        case "system_prompt_leak": s.systemPromptLeak = or(s.systemPromptLeak)
        case "hazard_topic": s.hazardTopic = or(s.hazardTopic)
        default:
            if signal.hasPrefix("harm."), let c = HarmCategory(rawValue: String(signal.dropFirst(5))) {
                s[c] = or(s[c])
            }
        }
    }
}
