import ParapetCore

/// One turn's scores in a session timeline.
public struct TurnPoint: Sendable, Hashable {
    /// Position of the turn in the session as seen by the replay (0-based).
    public var turn: Int
    public var eventID: String
    public var time: EventTime
    public var role: Role
    public var jailbreak: Double
    public var promptInjection: Double
    public var indirectInjection: Double
    /// The highest harm score over the categories, and which category.
    public var maxHarm: Double
    public var maxHarmCategory: HarmCategory?
    public var sessionRisk: Double
    /// Alert types raised or updated at this event.
    public var alerts: [AlertType]

    public init(turn: Int, verdict v: Verdict) {
        self.turn = turn
        self.eventID = v.eventID
        self.time = v.time
        self.role = v.role
        self.jailbreak = v.attack.jailbreak
        self.promptInjection = v.attack.promptInjection
        self.indirectInjection = v.attack.indirectInjection
        var best: (HarmCategory?, Double) = (nil, 0)
        for c in HarmCategory.allCases where v.harm[c].score > best.1 { best = (c, v.harm[c].score) }
        self.maxHarmCategory = best.0
        self.maxHarm = best.1
        self.sessionRisk = v.sessionRisk
        self.alerts = v.alerts
    }
}

/// Report limits: everything the collector keeps is bounded by these, whatever the size of the replay.
public struct ReportLimits: Sendable, Hashable {
    /// Turns kept per session that has raised an alert (the most recent ones).
    public var pointsPerFlaggedSession = 400
    /// Turns kept per session without an alert yet: the lead-up shown if an alert comes later.
    public var pointsPerUnflaggedSession = 48
    /// Sessions without alerts tracked at once; past this the least recently active half is dropped.
    public var maxUnflaggedSessions = 10_000
    /// Sessions with alerts whose timeline is kept (the first ones flagged; later ones appear in the table only).
    public var maxFlaggedSessions = 1_000
    /// Alerts (incidents) kept in detail; past this the least severe and oldest are dropped (counts stay exact).
    public var maxAlerts = 5_000

    public init() {}
}

/// Collects what the forensic report needs from a replay's alerts and verdicts, in bounded memory:
/// the latest version of each alert, exact counts, and per-turn score points for flagged sessions
/// (sessions without alerts keep only a short lead-up and are dropped first when over budget).
public struct ReportCollector: Sendable {
    struct Track: Sendable {
        var points: [TurnPoint] = []
        var turns = 0
        var flagged = false
        var touch = 0
    }

    public let limits: ReportLimits
    var tracks: [String: Track] = [:]
    var unflagged = 0
    var flaggedSessions = 0
    var clock = 0
    var alerts: [String: Alert] = [:]
    public private(set) var counts = ReportCounts()

    public init(limits: ReportLimits = .init()) { self.limits = limits }

    public mutating func add(_ v: Verdict) {
        clock += 1
        counts.events += 1
        var t: Track
        if let existing = tracks[v.sessionID] {
            t = existing
        } else {
            guard unflagged < limits.maxUnflaggedSessions || evictUnflagged() else { return }
            t = Track()
            unflagged += 1
            counts.sessions += 1
        }
        t.points.append(TurnPoint(turn: t.turns, verdict: v))
        t.turns += 1
        t.touch = clock
        let cap = t.flagged ? limits.pointsPerFlaggedSession : limits.pointsPerUnflaggedSession
        if t.points.count > cap + cap / 4 { t.points.removeFirst(t.points.count - cap) }
        tracks[v.sessionID] = t
    }

    public mutating func add(_ a: Alert) {
        counts.alertVersions += 1
        if a.version == 1 {
            counts.incidents += 1
            counts.byType[a.type, default: 0] += 1
            counts.bySeverity[a.severity, default: 0] += 1
        } else if let prev = alerts[a.alertID], prev.severity != a.severity {
            counts.bySeverity[prev.severity, default: 0] -= 1
            counts.bySeverity[a.severity, default: 0] += 1
        }
        alerts[a.alertID] = a
        if alerts.count > limits.maxAlerts + limits.maxAlerts / 4 { trimAlerts() }
        if var t = tracks[a.sessionID], !t.flagged, flaggedSessions < limits.maxFlaggedSessions {
            t.flagged = true
            flaggedSessions += 1
            unflagged -= 1
            tracks[a.sessionID] = t
        }
    }

    /// Sessions tracked right now (for tests and memory accounting).
    public var trackedSessions: Int { tracks.count }
    public var trackedPoints: Int { tracks.values.reduce(0) { $0 + $1.points.count } }

    /// Drops the least recently active half of the unflagged sessions; false if there was nothing to drop.
    mutating func evictUnflagged() -> Bool {
        let victims = tracks.filter { !$0.value.flagged }.sorted { ($0.value.touch, $0.key) < ($1.value.touch, $1.key) }
            .prefix(max(1, limits.maxUnflaggedSessions / 2))
        for (k, _) in victims { tracks[k] = nil }
        unflagged -= victims.count
        return !victims.isEmpty
    }

    mutating func trimAlerts() {
        let keep = alerts.values.sorted(by: Self.moreImportant).prefix(limits.maxAlerts)
        counts.alertsDroppedFromDetail += alerts.count - keep.count
        alerts = Dictionary(uniqueKeysWithValues: keep.map { ($0.alertID, $0) })
    }

    static func moreImportant(_ a: Alert, _ b: Alert) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        if a.firstSeen != b.firstSeen { return a.firstSeen < b.firstSeen }
        return a.alertID < b.alertID
    }

    /// The report's input: alerts (latest versions, most important first) and the timelines of flagged sessions.
    public func snapshot() -> ReportData {
        let list = alerts.values.sorted(by: Self.moreImportant)
        var timelines: [String: [TurnPoint]] = [:]
        for (k, t) in tracks where t.flagged { timelines[k] = t.points }
        return ReportData(alerts: list, timelines: timelines, counts: counts)
    }
}

public struct ReportCounts: Sendable, Hashable {
    public var events = 0
    public var sessions = 0
    /// True when `sessions` is an estimate (the replay counts distinct sessions in bounded memory).
    public var sessionsEstimated = false
    public var incidents = 0
    public var alertVersions = 0
    public var rejects = 0
    public var alertsDroppedFromDetail = 0
    public var byType: [AlertType: Int] = [:]
    public var bySeverity: [Severity: Int] = [:]
    public init() {}
}

/// Everything the report renders.
public struct ReportData: Sendable {
    public var alerts: [Alert]
    public var timelines: [String: [TurnPoint]]
    public var counts: ReportCounts
    public var title = "Parapet forensic report"
    /// Free-form lines for the header (inputs, generation time, version).
    public var context: [String] = []

    public init(alerts: [Alert], timelines: [String: [TurnPoint]], counts: ReportCounts) {
        self.alerts = alerts
        self.timelines = timelines
        self.counts = counts
    }
}
