import ParapetCore

/// Why a session left the store.
public enum SessionEviction: String, Sendable, Hashable {
    /// The store was over its cap: the least recently seen sessions went.
    case capacity
    /// The session was idle longer than the timeout in stream time.
    case idle
}

/// Per-partition session state with hard bounds: a cap on live sessions (least recently seen, in event time,
/// evicted first) and idle expiry on event time. Eviction order is deterministic: (last seen, key).
///
/// Every value that leaves the store through a bound is handed to the caller's `onEvict` closure (in eviction
/// order) before it is dropped, so that the caller can emit what it still holds (e.g. the final version of an
/// incident) instead of losing it.
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

    /// Runs `body` on the session's value, creating it first if needed, and applies the bounds (evicted values are
    /// dropped; see the `onEvict` variant to receive them).
    public mutating func update<R>(_ key: String, at time: Int64, create: () -> Value, _ body: (inout Value) -> R) -> R {
        update(key, at: time, create: create, onEvict: { _, _, _ in }, body)
    }

    /// Runs `body` on the session's value, creating it first if needed, and applies the bounds. Each session that
    /// leaves the store because of them (never `key` itself for capacity) is passed to `onEvict`, in a deterministic
    /// order ((last seen, key) within one sweep), after `body` ran.
    public mutating func update<R>(_ key: String, at time: Int64, create: () -> Value,
                                   onEvict: (String, Value, SessionEviction) -> Void,
                                   _ body: (inout Value) -> R) -> R {
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
        if entries.count > maxSessions { evictLeastRecentlySeen(keeping: key, onEvict: onEvict) }
        if idleTimeoutMicros == 0 {
            // Idle expiry is off.
        } else if let last = lastExpirySweep {
            if streamTime &- last >= max(idleTimeoutMicros / 4, 1) { expireIdle(onEvict: onEvict) }
        } else {
            lastExpirySweep = streamTime
        }
        return result
    }

    /// Changes a live session's value in place, without touching its last-seen time or applying the bounds.
    /// Returns false when the session is not in the store.
    @discardableResult
    public mutating func modify(_ key: String, _ body: (inout Value) -> Void) -> Bool {
        guard entries[key] != nil else { return false }
        body(&entries[key]!.value)
        return true
    }

    /// Removes a session without going through `onEvict`; returns its value.
    @discardableResult
    public mutating func remove(_ key: String) -> Value? { entries.removeValue(forKey: key)?.value }

    /// Drops every session without going through `onEvict` (the caller owns what is lost).
    public mutating func removeAll() { entries.removeAll(keepingCapacity: false) }

    /// Drops sessions idle for longer than the timeout in stream time. Returns how many went.
    @discardableResult
    public mutating func expireIdle() -> Int { expireIdle(onEvict: { _, _, _ in }) }

    /// Drops sessions idle for longer than the timeout in stream time, passing each to `onEvict` in
    /// (last seen, key) order. Returns how many went.
    @discardableResult
    public mutating func expireIdle(onEvict: (String, Value, SessionEviction) -> Void) -> Int {
        lastExpirySweep = streamTime
        guard idleTimeoutMicros > 0 else { return 0 }
        let cutoff = streamTime &- idleTimeoutMicros
        let victims = entries.lazy.filter { $0.value.lastSeen < cutoff }
            .map { ($0.value.lastSeen, $0.key) }
            .sorted { $0 < $1 }
        for (_, k) in victims {
            if let e = entries.removeValue(forKey: k) { onEvict(k, e.value, .idle) }
        }
        expiredIdle += victims.count
        return victims.count
    }

    /// Evicts about 1% of the sessions at once (at least one), oldest first, so eviction stays amortised.
    private mutating func evictLeastRecentlySeen(keeping key: String, onEvict: (String, Value, SessionEviction) -> Void) {
        let excess = entries.count - maxSessions
        let batch = max(excess, maxSessions / 100, 1)
        let victims = entries.lazy.filter { $0.key != key }
            .map { ($0.value.lastSeen, $0.key) }
            .sorted { $0 < $1 }
            .prefix(batch)
        for (_, k) in victims {
            if let e = entries.removeValue(forKey: k) { onEvict(k, e.value, .capacity) }
        }
        evictedForCapacity += victims.count
    }
}
