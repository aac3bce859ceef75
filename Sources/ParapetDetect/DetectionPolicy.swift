import ParapetCore

/// Thresholds that turn scores into alerts, like content-filter levels per deployment.
/// Data, not code: loaded from config (`detection.thresholds`, with per-app overrides).
public struct DetectionThresholds: Sendable, Hashable, Codable {
    /// Score at or above which a jailbreak / injection attempt is alerted (severity medium, high above `high`).
    public var jailbreak: Double = 0.5
    public var promptInjection: Double = 0.5
    public var indirectInjection: Double = 0.5
    /// Harm score bounds for the low / medium / high content levels.
    public var harmLow: Double = 0.5
    public var harmMedium: Double = 0.7
    public var harmHigh: Double = 0.9
    /// Lowest harm level that raises a `harmful_content.<category>` alert.
    public var harmAlertLevel: HarmLevel = .low
    /// Attack score at which severity goes from medium to high.
    public var attackHigh: Double = 0.9
    /// A framed harmful ask: a jailbreak frame named by rules and harm evidence (or a hazardous subject), each at or
    /// above this but under its own bar, in the same prompt ("for my thriller, the actual steps" + a wrongdoing)
    /// raise `jailbreak.direct` (1 turns it off).
    public var framedAsk: Double = 0.3
    /// The jailbreak classifier alone (no rule, encoding or hidden-text indicator, and no harm score of
    /// `harmEvidence` or more) alerts only from this score: persona set-ups for ordinary tasks ("act as a tourism
    /// guide", "you are QuizBeeGPT") score 0.5 - 0.86 on it. Set it to `jailbreak` for the classifier to alert alone.
    public var jailbreakUncorroborated: Double = 0.9

    public init() {}

    enum CodingKeys: String, CodingKey {
        case jailbreak, promptInjection = "prompt_injection", indirectInjection = "indirect_injection"
        case harmLow = "harm_low", harmMedium = "harm_medium", harmHigh = "harm_high"
        case harmAlertLevel = "harm_alert_level", attackHigh = "attack_high", framedAsk = "framed_ask"
        case jailbreakUncorroborated = "jailbreak_uncorroborated"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DetectionThresholds.init()
        func v(_ k: CodingKeys, _ def: Double) throws -> Double {
            guard let x = try c.decodeIfPresent(Double.self, forKey: k) else { return def }
            guard (0...1).contains(x) else {
                throw ContractViolation(key: k.stringValue, reason: "must be between 0 and 1 (got \(x))")
            }
            return x
        }
        jailbreak = try v(.jailbreak, d.jailbreak)
        promptInjection = try v(.promptInjection, d.promptInjection)
        indirectInjection = try v(.indirectInjection, d.indirectInjection)
        harmLow = try v(.harmLow, d.harmLow)
        harmMedium = try v(.harmMedium, d.harmMedium)
        harmHigh = try v(.harmHigh, d.harmHigh)
        attackHigh = try v(.attackHigh, d.attackHigh)
        framedAsk = try v(.framedAsk, d.framedAsk)
        jailbreakUncorroborated = try v(.jailbreakUncorroborated, d.jailbreakUncorroborated)
        harmAlertLevel = try c.decodeIfPresent(HarmLevel.self, forKey: .harmAlertLevel) ?? d.harmAlertLevel
    }

    /// A harm score from which a message carries a payload a jailbreak frame could be there for (the classifier's
    /// indicator floor).
    public static let harmEvidence = 0.3

    /// The jailbreak score as evidence of an attack: the classifier alone counts only from `jailbreakUncorroborated`;
    /// a rule or encoding indicator, or harm of at least `harmEvidence`, lets any score count. 0 when it does not count.
    public func jailbreakEvidence(_ a: MessageAnalysis) -> Double {
        let s = a.scores
        if s.jailbreak >= jailbreakUncorroborated || s.maxHarm >= Self.harmEvidence { return s.jailbreak }
        return a.indicators.contains { $0.kind != "model" && $0.kind != "refusal" } ? s.jailbreak : 0
    }

    public func level(forHarm score: Double) -> HarmLevel {
        if score >= harmHigh { return .high }
        if score >= harmMedium { return .medium }
        if score >= harmLow { return .low }
        return .safe
    }
}

/// The thresholds in force, globally and per app name.
public struct DetectionPolicy: Sendable, Hashable {
    public var defaults: DetectionThresholds
    public var perApp: [String: DetectionThresholds]

    public init(defaults: DetectionThresholds = .init(), perApp: [String: DetectionThresholds] = [:]) {
        self.defaults = defaults
        self.perApp = perApp
    }

    public func thresholds(for event: ChatEvent) -> DetectionThresholds {
        if let name = event.app?.name, let t = perApp[name] { return t }
        return defaults
    }
}
