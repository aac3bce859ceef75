import ParapetCore
import ParapetDetect
@testable import ParapetSession
import Testing

@Suite("Session memory bounds")
struct SessionBoundsTests {
    @Test("one session fed 100,000 turns keeps a bounded window")
    func hundredThousandTurns() {
        let limits = SessionLimits()
        var s = SessionState(sessionID: "long", time: EventTime(micros: 0))
        let text = String(repeating: "x", count: 10_000)  // longer than the per-turn cap
        var maxBytes = 0
        for i in 0..<100_000 {
            s.append(TurnRecord(eventID: "e\(i)", role: i % 2 == 0 ? .user : .assistant,
                                time: EventTime(micros: Int64(i) * 1_000_000), scores: MessageScores(),
                                indicators: [], text: text), limits: limits)
            maxBytes = max(maxBytes, s.textBytes)
        }
        #expect(s.turnCount == 100_000)
        #expect(s.turns.count <= limits.maxTurns)
        #expect(maxBytes <= limits.maxBytes + limits.maxTurnTextBytes + 256)
        #expect(s.turns.allSatisfy { $0.text.utf8.count <= limits.maxTurnTextBytes })
        #expect(s.turns.last?.eventID == "e99999")
    }

    @Test("the store evicts the least recently seen sessions past its cap")
    func lruEviction() {
        var store = BoundedSessionStore<Int>(maxSessions: 100, idleTimeoutSeconds: 1e9)
        for i in 0..<150 {
            store.update("s\(i)", at: Int64(i), create: { 0 }) { $0 += 1 }
        }
        #expect(store.count <= 100)
        #expect(store.evictedForCapacity >= 50)
        #expect(store.value(for: "s149") != nil)
        #expect(store.value(for: "s0") == nil)
    }

    @Test("idle sessions expire on event time, active ones stay")
    func idleExpiry() {
        var store = BoundedSessionStore<Int>(maxSessions: 1000, idleTimeoutSeconds: 60)
        store.update("old", at: 0, create: { 0 }) { $0 += 1 }
        for t in stride(from: 0, through: 600, by: 10) {
            store.update("busy", at: Int64(t) * 1_000_000, create: { 0 }) { $0 += 1 }
        }
        #expect(store.value(for: "old") == nil)
        #expect(store.value(for: "busy") == 61)
        #expect(store.expiredIdle == 1)
    }
}
