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

    @Test("evicted values are handed to onEvict, oldest first, with the reason")
    func evictionCallback() {
        var store = BoundedSessionStore<Int>(maxSessions: 3, idleTimeoutSeconds: 60)
        var gone: [(String, Int, SessionEviction)] = []
        func touch(_ key: String, _ second: Int64) {
            store.update(key, at: second * 1_000_000, create: { 0 }, onEvict: { gone.append(($0, $1, $2)) }) { $0 += 1 }
        }
        touch("b", 0); touch("a", 0); touch("b", 1); touch("c", 2)
        touch("d", 3)  // over the cap: "a" (last seen 0) goes, value intact
        #expect(gone.map(\.0) == ["a"] && gone.map(\.1) == [1] && gone.map(\.2) == [.capacity])
        touch("d", 100)  // 60 s idle in stream time: b, c go, in (last seen, key) order
        #expect(gone.map(\.0) == ["a", "b", "c"])
        #expect(gone.map(\.1) == [1, 2, 1])
        #expect(gone.dropFirst().allSatisfy { $0.2 == .idle })
        #expect(store.count == 1 && store.expiredIdle == 2 && store.evictedForCapacity == 1)
        #expect(store.modify("d") { $0 = 42 } && store.value(for: "d") == 42)
        #expect(!store.modify("a") { $0 = 1 } && store.value(for: "a") == nil)
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
