import ParapetCore
import ParapetDetect

/// Settings of the user-level detectors (per user id, or per IP when there is no user id).
public struct UserActivitySettings: Sendable, Hashable, Codable {
    /// Identical user prompts within this window...
    public var duplicateWindowSeconds: Double = 60
    /// ...at least this many times: a burst (denial of wallet).
    public var duplicateThreshold: Int = 20
    /// Request volume is counted in buckets of this length.
    public var volumeBucketSeconds: Double = 3600
    /// Buckets of history a user needs before volume anomalies are judged.
    public var volumeMinHistory: Int = 6
    /// A bucket is anomalous at `volumeFactor` times the user's average and at least `volumeMinimum` requests.
    public var volumeFactor: Double = 10
    public var volumeMinimum: Int = 200
    /// Attack findings in this many distinct sessions of one user within the window: repeated attempts.
    public var repeatedAttackSessions: Int = 3
    public var repeatedAttackWindowSeconds: Double = 86_400

    public init() {}

    enum CodingKeys: String, CodingKey {
        case duplicateWindowSeconds = "duplicate_window_seconds", duplicateThreshold = "duplicate_threshold"
        case volumeBucketSeconds = "volume_bucket_seconds", volumeMinHistory = "volume_min_history"
        case volumeFactor = "volume_factor", volumeMinimum = "volume_minimum"
        case repeatedAttackSessions = "repeated_attack_sessions"
        case repeatedAttackWindowSeconds = "repeated_attack_window_seconds"
    }
}

/// What the processor remembers about one user: small, fixed-size numbers only.
public struct UserActivity: Sendable, Hashable {
    /// (content hash, event time) of recent user prompts, newest last; bounded.
    var recentPrompts: [(hash: UInt64, time: Int64)] = []
    var bucketStart: Int64 = .min
    var bucketCount = 0
    /// Counts of earlier buckets, newest last; bounded.
    var history: [Int] = []
    /// (session hash, event time) of sessions with attack findings; bounded.
    var attackSessions: [(session: UInt64, time: Int64)] = []

    public init() {}

    public static func == (a: UserActivity, b: UserActivity) -> Bool {
        a.bucketStart == b.bucketStart && a.bucketCount == b.bucketCount && a.history == b.history
            && a.recentPrompts.map(\.hash) == b.recentPrompts.map(\.hash)
    }

    public func hash(into h: inout Hasher) {
        h.combine(bucketStart)
        h.combine(bucketCount)
    }
}

/// User-level behaviour across sessions: bursts of identical requests, volume far above the user's own
/// history, repeated attack attempts, and access from listed networks and tools.
/// These depend on the order of events across sessions, so unlike session detectors they are deterministic
/// only for the same event order; their alert ids are keyed on the user and the event-time bucket.
public struct UserBehaviorAnalyzer: Sendable {
    public var settings: UserActivitySettings
    public var lists: AccessLists
    let maxRecent = 256
    let maxHistory = 48
    let maxAttackSessions = 32

    public init(settings: UserActivitySettings = .init(), lists: AccessLists = .init()) {
        self.settings = settings
        self.lists = lists
    }

    /// Access findings need no state: they are raised per session.
    public func accessFindings(_ e: ChatEvent) -> [Finding] {
        var out: [Finding] = []
        if let ip = e.user?.ip {
            if lists.isTorExit(ip) {
                out.append(Finding(type: .accessAnonymizedIP, subtype: "tor", severity: .medium, confidence: 0.9,
                                   indicators: [Indicator(id: "access:tor_exit", kind: "access", title: "Tor exit address", match: ip)],
                                   detector: "user.access"))
            }
            if lists.isSuspiciousIP(ip) {
                out.append(Finding(type: .accessSuspiciousIP, severity: .high, confidence: 0.8,
                                   indicators: [Indicator(id: "access:listed_ip", kind: "access", title: "Listed address", match: ip)],
                                   detector: "user.access"))
            }
        }
        if let ua = e.user?.userAgent, let m = lists.suspiciousAgentMatch(ua) {
            out.append(Finding(type: .accessSuspiciousUserAgent, severity: .medium, confidence: 0.8,
                               indicators: [Indicator(id: "access:user_agent", kind: "access", title: "Attack-tool user agent", match: m)],
                               detector: "user.access"))
        }
        return out
    }

    /// Updates the user's activity with one event and returns user-level findings.
    /// `attack` says whether the event's session raised an attack finding at this event.
    public func observe(_ e: ChatEvent, normalizedText: String, attack: Bool, state u: inout UserActivity) -> [Finding] {
        guard e.role == .user else { return [] }
        var out: [Finding] = []
        let t = e.time.micros
        // Volume per bucket.
        let bucket = Int64(settings.volumeBucketSeconds * 1_000_000)
        let start = bucket > 0 ? (t >= 0 ? t / bucket : (t - bucket + 1) / bucket) * bucket : 0
        if u.bucketStart == .min { u.bucketStart = start }
        if start > u.bucketStart {
            u.history.append(u.bucketCount)
            // Empty buckets in between count as zero (bounded).
            let gap = min(Int((start - u.bucketStart) / max(bucket, 1)) - 1, maxHistory)
            if gap > 0 { u.history.append(contentsOf: repeatElement(0, count: gap)) }
            if u.history.count > maxHistory { u.history.removeFirst(u.history.count - maxHistory) }
            u.bucketStart = start
            u.bucketCount = 0
        }
        if start == u.bucketStart { u.bucketCount += 1 }
        if u.history.count >= settings.volumeMinHistory {
            let mean = Double(u.history.reduce(0, +)) / Double(u.history.count)
            if u.bucketCount >= settings.volumeMinimum, Double(u.bucketCount) >= settings.volumeFactor * max(mean, 1) {
                out.append(Finding(type: .walletVolumeAnomaly, severity: .medium, confidence: 0.7,
                                   indicators: [Indicator(id: "user:volume", kind: "user", title: "Request volume far above the user's history",
                                                          score: Double(u.bucketCount))],
                                   scores: ["requests_in_bucket": Double(u.bucketCount), "history_mean": (mean * 10).rounded() / 10],
                                   detector: "user.volume"))
            }
        }
        // Bursts of identical prompts.
        var h: UInt64 = 0
        var text = Array(normalizedText.utf8)
        text.withUnsafeMutableBufferPointer { h = StableHash.fnv1a64(UnsafeBufferPointer($0)) }
        let window = Int64(settings.duplicateWindowSeconds * 1_000_000)
        u.recentPrompts.append((h, t))
        if u.recentPrompts.count > maxRecent { u.recentPrompts.removeFirst(u.recentPrompts.count - maxRecent) }
        let same = u.recentPrompts.reduce(0) { $0 + ($1.hash == h && t - $1.time <= window && $1.time <= t ? 1 : 0) }
        if !normalizedText.isEmpty, same >= settings.duplicateThreshold {
            out.append(Finding(type: .walletDuplicateRequests, severity: .medium, confidence: 0.8,
                               indicators: [Indicator(id: "user:duplicate_requests", kind: "user", title: "Burst of identical requests",
                                                      score: Double(same))],
                               scores: ["identical_requests": Double(same)], detector: "user.duplicates"))
        }
        // Repeated attack attempts across sessions.
        if attack {
            var sh: UInt64 = 0
            var sid = Array(e.sessionID.utf8)
            sid.withUnsafeMutableBufferPointer { sh = StableHash.fnv1a64(UnsafeBufferPointer($0)) }
            if !u.attackSessions.contains(where: { $0.session == sh }) {
                u.attackSessions.append((sh, t))
                if u.attackSessions.count > maxAttackSessions { u.attackSessions.removeFirst() }
            }
            let w = Int64(settings.repeatedAttackWindowSeconds * 1_000_000)
            let n = u.attackSessions.filter { t - $0.time <= w }.count
            if n >= settings.repeatedAttackSessions {
                out.append(Finding(type: .userRepeatedAttacks, severity: .high, confidence: min(0.95, 0.6 + 0.1 * Double(n)),
                                   indicators: [Indicator(id: "user:repeated_attacks", kind: "user",
                                                          title: "Attack attempts in several sessions", score: Double(n))],
                                   scores: ["attack_sessions": Double(n)], detector: "user.repeated_attacks"))
            }
        }
        return out
    }
}
