/// Memory and time bounds of one conversation window.
public struct SessionLimits: Sendable, Hashable, Codable {
    /// Turns kept per session (older turns leave the window, but their weight lives on in the decayed risk).
    public var maxTurns: Int = 48
    /// Bytes of turn text kept per session.
    public var maxBytes: Int = 48 * 1024
    /// Bytes of text kept per turn.
    public var maxTurnTextBytes: Int = 4 * 1024
    /// A session idle this long in event time is expired.
    public var idleTimeoutSeconds: Double = 6 * 3600
    /// Half-life of the session risk, in user turns: older evidence fades instead of falling off an edge.
    public var riskHalfLifeTurns: Double = 4
    /// Only the part of a turn's risk above this floor accumulates (everyday text has small nonzero scores).
    public var riskFloor: Double = 0.2

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxTurns = "max_turns", maxBytes = "max_bytes", maxTurnTextBytes = "max_turn_text_bytes"
        case idleTimeoutSeconds = "idle_timeout_seconds", riskHalfLifeTurns = "risk_half_life_turns"
        case riskFloor = "risk_floor"
    }
}
