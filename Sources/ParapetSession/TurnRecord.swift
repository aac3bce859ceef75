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

    public init(eventID: String, role: Role, time: EventTime, scores: MessageScores, indicators: [String], text: String) {
        self.eventID = eventID
        self.role = role
        self.time = time
        self.scores = scores
        self.indicators = indicators
        self.text = text
    }

    var byteCost: Int { text.utf8.count + eventID.utf8.count + 160 }
}
