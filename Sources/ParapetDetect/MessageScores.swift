import ParapetCore

/// The numbers one message gets from the message-level detectors. Fixed fields, not a dictionary:
/// this is built for every event and read by every session detector.
public struct MessageScores: Sendable, Hashable {
    public var jailbreak: Double = 0
    public var promptInjection: Double = 0
    public var indirectInjection: Double = 0
    /// hate, sexual, violence, self_harm, illicit (lanes `HarmCategory.index`; the last three lanes stay 0), each 0-1.
    /// A vector rather than an array: the first score written into a new analysis copied the array (one heap
    /// allocation per message).
    var harmLanes = SIMD8<Double>(repeating: 0)
    static let harmCount = HarmCategory.allCases.count

    /// The harm scores indexed by `HarmCategory.index`.
    public var harm: [Double] {
        get { (0..<Self.harmCount).map { harmLanes[$0] } }
        set { for (i, v) in newValue.prefix(Self.harmCount).enumerated() { harmLanes[i] = v } }
    }
    /// The message is a model refusal (assistant side).
    public var refusal: Double = 0
    /// Probing for the model's instructions, tools and limits.
    public var reconnaissance: Double = 0
    /// Many fake dialogue turns inside one message.
    public var manyShot: Double = 0
    /// The response reveals the model's system prompt or instructions (assistant side).
    public var systemPromptLeak: Double = 0
    /// The message names a hazardous subject (weapons, drugs, crimes, ...). Not harm by itself: it only completes
    /// a jailbreak frame into a framed harmful ask (`DetectionThresholds.framedAsk`).
    public var hazardTopic: Double = 0

    public init() {}

    public subscript(_ c: HarmCategory) -> Double {
        get { harmLanes[c.index] }
        set { harmLanes[c.index] = newValue }
    }

    /// The largest harm score (the same comparisons as `harm.max()`).
    public var maxHarm: Double {
        var m = harmLanes[0]
        for i in 1..<Self.harmCount where m < harmLanes[i] { m = harmLanes[i] }
        return m
    }
    public var maxAttack: Double { max(jailbreak, promptInjection, indirectInjection) }

    /// The scores as named values, for evidence and reports (zero scores left out).
    public var named: [String: Double] {
        var d: [String: Double] = [:]
        func put(_ k: String, _ v: Double) { if v > 0.0005 { d[k] = (v * 1000).rounded() / 1000 } }
        put("jailbreak", jailbreak)
        put("prompt_injection", promptInjection)
        put("indirect_injection", indirectInjection)
        for c in HarmCategory.allCases { put(c.rawValue, harmLanes[c.index]) }
        put("refusal", refusal)
        put("reconnaissance", reconnaissance)
        put("many_shot", manyShot)
        put("system_prompt_leak", systemPromptLeak)
        put("hazard_topic", hazardTopic)
        return d
    }
}

/// Everything the message-level stage says about one message.
public struct MessageAnalysis: Sendable, Hashable {
    public var scores = MessageScores()
    public var indicators: [Indicator] = []
    public var findings: [Finding] = []
    /// Text that was hidden or encoded and decoded by normalisation (for evidence), if any.
    public var revealedText: String?
    /// The normalised text (what the session window keeps, bounded there).
    public var normalizedText: String = ""
    /// The jailbreak score as evidence (`DetectionThresholds.jailbreakEvidence`), set by the policy: what the
    /// conversation detectors read.
    public var jailbreakEvidence: Double = 0
    /// Finer classification per signal (e.g. `jailbreak` -> `role_play`), from the strongest rule that fed it.
    public var subtypes: [String: String] = [:]
    /// Weight of the rule that set each entry of `subtypes`.
    public var subtypeWeights: [String: Double] = [:]
    /// The jailbreak score that rules alone gave (noisy-or of their weights): a framed harmful ask needs a frame a
    /// rule names, not only the classifier's jailbreak score.
    public var jailbreakFromRules: Double = 0

    public init() {}

    public mutating func add(_ indicator: Indicator) {
        if !indicators.contains(where: { $0.id == indicator.id }) { indicators.append(indicator) }
    }
}
