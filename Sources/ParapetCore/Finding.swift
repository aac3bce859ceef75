/// A detector's claim that something alert-worthy happened at one event.
/// The alert stage aggregates findings of one session and type into one incident (an `Alert`).
public struct Finding: Sendable, Hashable {
    public var type: AlertType
    /// Finer classification inside the type, e.g. `role_play`, `conversation_mockup`, `email`.
    public var subtype: String?
    public var severity: Severity
    public var confidence: Double
    public var indicators: [Indicator]
    /// Named scores behind the claim (e.g. `jailbreak: 0.93`), copied into the evidence.
    public var scores: [String: Double]
    /// For conversation-level findings: the earlier turns that built the attack, in order.
    public var contributingTurns: [TurnEvidence]
    /// Which detector raised it (`detector.id` in the alert).
    public var detector: String

    public init(type: AlertType, subtype: String? = nil, severity: Severity, confidence: Double,
                indicators: [Indicator] = [], scores: [String: Double] = [:], contributingTurns: [TurnEvidence] = [],
                detector: String) {
        self.type = type
        self.subtype = subtype
        self.severity = severity
        self.confidence = confidence
        self.indicators = indicators
        self.scores = scores
        self.contributingTurns = contributingTurns
        self.detector = detector
    }
}

/// A turn referenced by a conversation-level finding: what the analyst sees in the escalation trajectory.
///
/// Not an `Alert.Evidence`: it carries the turn's raw text (a prefix), which only the alert stage turns into a
/// redacted excerpt (or drops, when evidence text is off), so that no detector decides what an alert may show.
public struct TurnEvidence: Sendable, Hashable {
    public var eventID: String
    public var role: Role
    public var time: EventTime
    /// The turn's text, unredacted (a prefix of at most a few hundred bytes).
    public var text: String
    public var indicators: [String]
    public var scores: [String: Double]

    public init(eventID: String, role: Role, time: EventTime, text: String, indicators: [String] = [],
                scores: [String: Double] = [:]) {
        self.eventID = eventID
        self.role = role
        self.time = time
        self.text = text
        self.indicators = indicators
        self.scores = scores
    }
}
