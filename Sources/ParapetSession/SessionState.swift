import ParapetCore
import ParapetDetect

/// One conversation's window: a bounded list of recent turns plus running numbers that outlive them.
public struct SessionState: Sendable, Hashable {
    public let sessionID: String
    public private(set) var turns: [TurnRecord] = []
    public private(set) var textBytes: Int = 0
    public private(set) var firstTime: EventTime
    public private(set) var lastTime: EventTime
    /// Every turn seen, including those that left the window.
    public private(set) var turnCount: Int = 0
    public private(set) var userTurnCount: Int = 0
    /// Accumulated risk: each user (or external-content) turn multiplies it by the decay and adds the part of
    /// the turn's risk above the floor, so several moderately risky turns add up and small talk fades it slowly.
    public var risk: Double = 0
    /// User turns that added to the accumulated risk since it was last near zero.
    public var riskyTurns: Int = 0
    /// A system prompt of this conversation told the model to keep something secret (sticky: the system turn
    /// may leave the window, the instruction does not).
    public var guardsSecret = false

    public init(sessionID: String, time: EventTime) {
        self.sessionID = sessionID
        self.firstTime = time
        self.lastTime = time
    }

    public mutating func append(_ turn: TurnRecord, limits: SessionLimits) {
        var t = turn
        if t.text.utf8.count > limits.maxTurnTextBytes {
            t.text = String(decoding: t.text.utf8.prefix(limits.maxTurnTextBytes), as: UTF8.self)
        }
        turns.append(t)
        textBytes += t.byteCost
        turnCount += 1
        if t.role == .user { userTurnCount += 1 }
        if t.time > lastTime { lastTime = t.time }
        var drop = 0
        while turns.count - drop > limits.maxTurns || (textBytes > limits.maxBytes && turns.count - drop > 1) {
            textBytes -= turns[drop].byteCost
            drop += 1
        }
        if drop > 0 { turns.removeFirst(drop) }
    }

    public var userTurns: some Collection<TurnRecord> { turns.lazy.filter { $0.role == .user } }
    public var lastTurn: TurnRecord? { turns.last }
}
