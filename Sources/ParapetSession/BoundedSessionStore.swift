import ParapetCore

/// Per-partition session state with hard bounds: a cap on live sessions (least recently seen, in event time,
/// evicted first) and idle expiry on event time. Eviction order is deterministic: (last seen, key).
public struct BoundedSessionStore<Value: Sendable>: Sendable {
    struct Entry: Sendable {
        var value: Value
        var lastSeen: Int64
    }

    public var maxSessions: Int
    public var idleTimeoutMicros: Int64
    private var entries: [String: Entry] = [:]
    private var lastExpirySweep: Int64?
    /// Highest event time seen (stream time).
    public private(set) var streamTime: Int64 = .min
    public private(set) var evictedForCapacity = 0
    public private(set) var expiredIdle = 0

    public init(maxSessions: Int, idleTimeoutSeconds: Double) {
        self.maxSessions = max(1, maxSessions)
        // A non-finite timeout switches idle expiry off (the cap still bounds memory).
        self.idleTimeoutMicros = idleTimeoutSeconds.isFinite && idleTimeoutSeconds > 0
            ? Int64(min(idleTimeoutSeconds, 1e12) * 1_000_000) : 0
    }

    public var count: Int { entries.count }
    public func value(for key: String) -> Value? { entries[key]?.value }
    public var keys: some Collection<String> { entries.keys }

    /// Runs `body` on the session's value, creating it first if needed, and applies the bounds.
    public mutating func update<R>(_ key: String, at time: Int64, create: () -> Value, _ body: (inout Value) -> R) -> R {
        if time > streamTime { streamTime = time }
        let result: R
        if var e = entries.removeValue(forKey: key) {
            result = body(&e.value)
            e.lastSeen = max(e.lastSeen, time)
            entries[key] = e
        } else {
            var v = create()
            result = body(&v)
            entries[key] = Entry(value: v, lastSeen: time)
        }
        if entries.count > maxSessions { evictLeastRecentlySeen(keeping: key) }
        if idleTimeoutMicros == 0 {
            // Idle expiry is off.
        } else if let last = lastExpirySweep {
            if streamTime &- last >= max(idleTimeoutMicros / 4, 1) { expireIdle() }
        } else {
            lastExpirySweep = streamTime
        }
        return result
    }

    public mutating func remove(_ key: String) { entries.removeValue(forKey: key) }

    public mutating func removeAll() { entries.removeAll(keepingCapacity: false) }

    /// Drops sessions idle for longer than the timeout in stream time. Returns how many went.
    @discardableResult
    public mutating func expireIdle() -> Int {
        lastExpirySweep = streamTime
        guard idleTimeoutMicros > 0 else { return 0 }
        let cutoff = streamTime &- idleTimeoutMicros
        let before = entries.count
        entries = entries.filter { $0.value.lastSeen >= cutoff }
        let gone = before - entries.count
        expiredIdle += gone
        return gone
    }

    /// Evicts about 1% of the sessions at once (at least one), oldest first, so eviction stays amortised.
    private mutating func evictLeastRecentlySeen(keeping key: String) {
        let excess = entries.count - maxSessions
        let batch = max(excess, maxSessions / 100, 1)
        let victims = entries.lazy.filter { $0.key != key }
            .map { ($0.value.lastSeen, $0.key) }
            .sorted { $0 < $1 }
            .prefix(batch)
        for (_, k) in victims { entries.removeValue(forKey: k) }
        evictedForCapacity += victims.count
    }
}
