import ParapetCore

/// Thresholds that turn scores into alerts, like content-filter levels per deployment.
/// Data, not code: loaded from config (`engine.thresholds`, with per-app overrides `engine.apps.<app>.thresholds`).
public struct DetectionThresholds: Sendable, Hashable {
    /// Score at or above which a jailbreak / injection attempt is alerted (severity medium, high above `high`).
    public var jailbreak: Double = 0.5
    public var promptInjection: Double = 0.5
    public var indirectInjection: Double = 0.5
    /// Harm score bounds for the low / medium / high content levels.
    public var harmLow: Double = 0.5
    public var harmMedium: Double = 0.7
    public var harmHigh: Double = 0.9
    /// Low bounds per harm category (`harm_low_by_category`), indexed by `HarmCategory.index`; nil = `harmLow`.
    /// Like a content filter's per-category thresholds: the heads' scores on ordinary prompts do not sit equally
    /// far below one bound. Illicit at 0.45 (session 12, source-held-out DEV, three seeds): +2.7 points of harmful
    /// requests and +1.9 of multi-turn attacks for 2 more flagged chats of 5,319 and 1 - 4 prompts of 3,998 per
    /// seed; the same move for every category cost three times the false alarms for 1.6 times the gain
    /// (EVALUATION.md). `Config` lets a deployment's own `harm_low` override the shipped category bound.
    public var harmLowByCategory: [Double?] = HarmCategory.allCases.map { $0 == .illicit ? 0.45 : nil }
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

    /// The low bound of one category: its own (`harm_low_by_category`) or `harmLow`.
    public func harmLow(for category: HarmCategory) -> Double { harmLowByCategory[category.index] ?? harmLow }

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

    public func level(forHarm score: Double, in category: HarmCategory) -> HarmLevel {
        if score >= harmHigh { return .high }
        if score >= harmMedium { return .medium }
        if score >= harmLow(for: category) { return .low }
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
