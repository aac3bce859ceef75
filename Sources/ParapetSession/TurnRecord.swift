import ParapetCore
import ParapetDetect

/// What a session window keeps of one message: its scores, its indicators and a bounded slice of its text.
public struct TurnRecord: Sendable, Hashable {
    public var eventID: String
    public var role: Role
    public var time: EventTime
    public var scores: MessageScores
    public var indicators: [String]
    /// Normalised text, cut to `SessionLimits.maxTurnTextBytes` (the window's memory bound).
    public var text: String
    /// Conversation cues in the text (filled in when the turn enters the window).
    public var cues: CueSet = []
    /// The jailbreak score as evidence (`DetectionThresholds.jailbreakEvidence`: 0 for the classifier alone on a
    /// persona set-up); nil = the score itself.
    public var jailbreakEvidence: Double?

    public init(eventID: String, role: Role, time: EventTime, scores: MessageScores, indicators: [String], text: String) {
        self.eventID = eventID
        self.role = role
        self.time = time
        self.scores = scores
        self.indicators = indicators
        self.text = text
    }

    var byteCost: Int { text.utf8.count + eventID.utf8.count + 160 }

    /// The turn's own risk: its strongest attack or harm score.
    public var risk: Double { max(scores.maxAttack, scores.maxHarm) }

    /// What the turn adds to an escalation's context: harm, and jailbreak framing that counts as evidence.
    public var escalationRisk: Double { max(jailbreakEvidence ?? scores.jailbreak, scores.maxHarm) }

    /// Evidence for a conversation-level finding: this turn with its scores.
    public func evidence(excerptBytes: Int = 400) -> TurnEvidence {
        TurnEvidence(eventID: eventID, role: role, time: time,
                     text: String(decoding: text.utf8.prefix(excerptBytes), as: UTF8.self),
                     indicators: indicators, scores: scores.named)
    }

}
