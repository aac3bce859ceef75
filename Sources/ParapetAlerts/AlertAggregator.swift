import ParapetCore

/// The open incidents of one session (or one user, for user-level types): at most one per alert type.
public struct IncidentBook: Sendable, Hashable {
    var open: [AlertType: Incident] = [:]
    public init() {}
    public var isEmpty: Bool { open.isEmpty }
    public var openCount: Int { open.count }
    /// The current state of every open incident (latest version, possibly not emitted yet), in type order.
    public var currentAlerts: [Alert] { open.keys.sorted().map { open[$0]!.alert } }
}

struct Incident: Sendable, Hashable {
    var alert: Alert
    /// Events in the incident when the current version was emitted.
    var emittedAtCount: Int
    var emittedSeverity: Severity
    /// Event time (micros) at which the current version was emitted.
    var emittedAtMicros: Int64
    /// Total events in the incident (`alert.eventIDs` keeps only a bounded sample).
    var eventCount: Int
    /// The most recent event ids, for de-duplication (bounded FIFO).
    var recent: RecentIDs

    var hasUnemittedGrowth: Bool { eventCount > emittedAtCount || alert.severity > emittedSeverity }
}

/// A bounded set of the most recent ids (FIFO eviction).
struct RecentIDs: Sendable, Hashable {
    private(set) var order: [String] = []
    private(set) var members: Set<String> = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func contains(_ id: String) -> Bool { members.contains(id) }

    mutating func insert(_ id: String) {
        guard !members.contains(id) else { return }
        if order.count < capacity {
            order.append(id)
        } else {
            members.remove(order[head])
            order[head] = id
            head = (head + 1) % capacity
        }
        members.insert(id)
    }
}

/// Turns findings into alerts: one alert per incident (session or user, and type), re-emitted with a higher
/// `version` and the same `alert_id` as it grows.
///
/// Update policy (documented in docs/alerts.md): a finding of the same type within the suppression window of the
/// incident's last event joins the incident. A new version is emitted when
/// - the severity rises, or
/// - the incident has doubled in events since the last emitted version (1, 2, 4, 8, ... events), or
/// - it has new events and `updateIntervalSeconds` of event time have passed since the last emitted version,
/// and at most `maxVersions` versions are emitted for growth alone (severity rises are always emitted).
/// A 100,000-turn session therefore yields about 17 versions, not 100,000 alerts.
///
/// Bounded: `event_ids` keeps the first and the latest ids (`maxEventIDs`), evidence likewise (`maxEvidence`),
/// `event_count` holds the total. Deterministic: ids and versions depend only on the events of the scope
/// (session or user) in their order and on event time, never on wall-clock time or on other scopes.
public struct AlertAggregator: Sendable {
    public var catalog: AlertCatalog
    public var options: AlertOptions
    let evidence: EvidenceBuilder

    public init(catalog: AlertCatalog = .standard, options: AlertOptions = .init()) {
        self.catalog = catalog
        self.options = options
        self.evidence = EvidenceBuilder(options: options)
    }

    /// The context of the event at which findings were raised.
    public struct EventContext: Sendable {
        public var event: ChatEvent
        /// Text to cut excerpts from (the message, or the decoded hidden text).
        public var text: String
        public var scores: [String: Double]

        public init(event: ChatEvent, text: String, scores: [String: Double]) {
            self.event = event
            self.text = text
            self.scores = scores
        }
    }

    /// The key of the user-level scope for an event: `user:<tenant>/<id>`, else `ip:<address>`, else nil
    /// (then user-level types fall back to the session).
    public static func userScopeKey(for event: ChatEvent) -> String? {
        if let id = event.user?.id, !id.isEmpty { return "user:" + (event.user?.tenantID ?? "") + "/" + id }
        if let ip = event.user?.ip, !ip.isEmpty { return "ip:" + ip }
        return nil
    }

    /// Applies findings, routing each type to its scope: session-level types to `sessionBook`, user-level types
    /// (wallet, access, repeated attacks) to the user's book in `users`. Returns the alerts to emit, session first.
    public func apply(_ findings: [Finding], at ctx: EventContext, sessionBook: inout IncidentBook,
                      users: inout UserIncidentStore) -> [Alert] {
        guard !findings.isEmpty else { return [] }
        var sessionLevel: [Finding] = []
        var userLevel: [Finding] = []
        for f in findings {
            if catalog.scope(of: f.type) == .user { userLevel.append(f) } else { sessionLevel.append(f) }
        }
        var out = apply(sessionLevel, at: ctx, book: &sessionBook)
        if !userLevel.isEmpty {
            if let key = Self.userScopeKey(for: ctx.event) {
                let window = Int64(userLevel.map { suppressionWindow(for: $0.type) }.max()! * 1_000_000)
                out += users.update(key, at: ctx.event.time.micros, idleMicros: window) { book in
                    apply(userLevel, at: ctx, scope: key, book: &book)
                }
            } else {
                out += apply(userLevel, at: ctx, book: &sessionBook)
            }
        }
        return out
    }

    /// Applies the findings raised at one event to one scope's book; returns the alerts (new or new versions) to
    /// emit, in type order. `scope` is the incident key (nil: the event's session).
    public func apply(_ findings: [Finding], at ctx: EventContext, scope: String? = nil, book: inout IncidentBook) -> [Alert] {
        guard !findings.isEmpty else { return [] }
        // One finding per type and event: keep the strongest, merge the others' indicators and turns into it.
        var best: [AlertType: Finding] = [:]
        for f in findings {
            if let b = best[f.type] {
                best[f.type] = (b.severity, b.confidence) >= (f.severity, f.confidence) ? merge(b, f) : merge(f, b)
            } else {
                best[f.type] = f
            }
        }
        var out: [Alert] = []
        let now = ctx.event.time.micros
        for type in best.keys.sorted() {
            let f = best[type]!
            let window = Int64(suppressionWindow(for: type) * 1_000_000)
            if var inc = book.open[type], now - inc.alert.lastSeen.micros <= window {
                grow(&inc, with: f, ctx: ctx)
                if shouldEmit(inc, now: now) {
                    inc.alert.version += 1
                    inc.emittedAtCount = inc.eventCount
                    inc.emittedSeverity = inc.alert.severity
                    inc.emittedAtMicros = now
                    out.append(inc.alert)
                }
                book.open[type] = inc
            } else {
                // The old incident's last state goes out before a new incident replaces it (nothing is lost).
                if var old = book.open[type], old.hasUnemittedGrowth { out.append(finalVersion(&old)) }
                let inc = open(f, ctx: ctx, scope: scope)
                book.open[type] = inc
                out.append(inc.alert)
            }
        }
        return out
    }

    /// The next version of an incident that grew since its last emitted one, marked as emitted.
    func finalVersion(_ inc: inout Incident) -> Alert {
        inc.alert.version += 1
        inc.emittedAtCount = inc.eventCount
        inc.emittedSeverity = inc.alert.severity
        inc.emittedAtMicros = inc.alert.lastSeen.micros
        return inc.alert
    }

    /// Emits a final version of every incident that grew since its last emitted version (end of a replay, or
    /// before a session's state is dropped), so that the last state of each incident is never lost.
    public func flush(_ book: inout IncidentBook) -> [Alert] {
        var out: [Alert] = []
        for type in book.open.keys.sorted() {
            guard var inc = book.open[type], inc.hasUnemittedGrowth else { continue }
            out.append(finalVersion(&inc))
            book.open[type] = inc
        }
        return out
    }

    public func suppressionWindow(for type: AlertType) -> Double {
        options.suppressionWindowByType[type] ?? (catalog.scope(of: type) == .user
            ? options.userSuppressionWindowSeconds : options.suppressionWindowSeconds)
    }

    func shouldEmit(_ inc: Incident, now: Int64) -> Bool {
        if inc.alert.severity > inc.emittedSeverity { return true }
        guard inc.eventCount > inc.emittedAtCount, inc.alert.version < options.maxVersions else { return false }
        if inc.eventCount >= inc.emittedAtCount * 2 { return true }
        return Double(now - inc.emittedAtMicros) >= options.updateIntervalSeconds * 1_000_000
    }

    func merge(_ a: Finding, _ b: Finding) -> Finding {
        var m = a
        for i in b.indicators where !m.indicators.contains(i) { m.indicators.append(i) }
        for t in b.contributingTurns where !m.contributingTurns.contains(where: { $0.eventID == t.eventID }) {
            m.contributingTurns.append(t)
        }
        if m.subtype == nil { m.subtype = b.subtype }
        return m
    }

    func open(_ f: Finding, ctx: EventContext, scope: String?) -> Incident {
        let e = ctx.event
        let entry = catalog.entry(f.type)
        let id = StableHash.id(prefix: "pa-", ["v1", scope ?? e.sessionID, f.type.rawValue, e.eventID])
        let alert = Alert(
            alertID: id, version: 1, type: f.type, subtype: f.subtype, severity: f.severity,
            confidence: round3(f.confidence),
            title: entry?.title ?? f.type.rawValue,
            description: entry?.description ?? "",
            remediation: entry?.remediation ?? [],
            sessionID: e.sessionID, eventIDs: [], firstSeen: e.time, lastSeen: e.time,
            entities: Alert.Entities(user: e.user, ip: e.user?.ip, app: e.app),
            evidence: [], mitreAtlas: entry?.atlas(forSubtype: f.subtype) ?? [], owaspLLM: entry?.owaspLLM ?? [],
            detector: Alert.Detector(id: f.detector, version: options.detectorVersion),
            upstream: e.upstream, eventCount: 0)
        var inc = Incident(alert: alert, emittedAtCount: 0, emittedSeverity: f.severity, emittedAtMicros: e.time.micros,
                           eventCount: 0, recent: RecentIDs(capacity: options.dedupeWindow))
        grow(&inc, with: f, ctx: ctx)
        inc.emittedAtCount = inc.eventCount
        inc.emittedSeverity = inc.alert.severity
        return inc
    }

    func grow(_ inc: inout Incident, with f: Finding, ctx: EventContext) {
        var a = inc.alert
        // Earlier turns that built a conversation-level attack come first, in order.
        for t in f.contributingTurns where !inc.recent.contains(t.eventID) {
            inc.recent.insert(t.eventID)
            appendEventID(&a, t.eventID)
            appendEvidence(&a, Alert.Evidence(
                eventID: t.eventID, role: t.role, time: t.time,
                excerpt: evidence.excerpt(of: t.text, around: []),
                indicators: t.indicators, scores: t.scores))
            if t.time < a.firstSeen { a.firstSeen = t.time }
            if t.time > a.lastSeen { a.lastSeen = t.time }
            inc.eventCount += 1
        }
        let e = ctx.event
        if !inc.recent.contains(e.eventID) {
            inc.recent.insert(e.eventID)
            appendEventID(&a, e.eventID)
            appendEvidence(&a, Alert.Evidence(
                eventID: e.eventID, role: e.role, time: e.time,
                excerpt: evidence.excerpt(of: ctx.text, around: f.indicators.compactMap(\.match)),
                indicators: f.indicators.map(\.id), scores: f.scores.isEmpty ? ctx.scores : f.scores,
                source: e.source))
            inc.eventCount += 1
        }
        if e.time > a.lastSeen { a.lastSeen = e.time }
        if e.time < a.firstSeen { a.firstSeen = e.time }
        if f.severity > a.severity { a.severity = f.severity }
        a.confidence = max(a.confidence, round3(f.confidence))
        if a.subtype == nil, let st = f.subtype {
            a.subtype = st
            a.mitreAtlas = catalog.entry(f.type)?.atlas(forSubtype: st) ?? a.mitreAtlas
        }
        if a.entities.user == nil { a.entities.user = e.user }
        if a.entities.ip == nil { a.entities.ip = e.user?.ip }
        if a.entities.app == nil { a.entities.app = e.app }
        a.eventCount = inc.eventCount
        inc.alert = a
    }

    /// Keeps the first half and the most recent ids when the list exceeds the cap.
    func appendEventID(_ a: inout Alert, _ id: String) {
        a.eventIDs.append(id)
        if a.eventIDs.count > options.maxEventIDs { a.eventIDs.remove(at: options.maxEventIDs / 2) }
    }

    /// Keeps the first half and the most recent entries when evidence exceeds the cap.
    func appendEvidence(_ a: inout Alert, _ ev: Alert.Evidence) {
        a.evidence.append(ev)
        if a.evidence.count > options.maxEvidence { a.evidence.remove(at: options.maxEvidence / 2) }
    }
}

/// User-level incident books (wallet, access and repeated-attack types), bounded: a user idle longer than the
/// suppression window (in event time) is dropped first; past `maxUsers`, the least recently active users go.
public struct UserIncidentStore: Sendable {
    struct Slot: Sendable {
        var book: IncidentBook
        var lastMicros: Int64
        var idleMicros: Int64
    }

    var slots: [String: Slot] = [:]
    public let maxUsers: Int
    public var count: Int { slots.count }

    public init(maxUsers: Int = 100_000) { self.maxUsers = max(1, maxUsers) }

    public func book(for key: String) -> IncidentBook? { slots[key]?.book }

    mutating func update(_ key: String, at micros: Int64, idleMicros: Int64, _ body: (inout IncidentBook) -> [Alert]) -> [Alert] {
        var slot = slots[key] ?? Slot(book: IncidentBook(), lastMicros: micros, idleMicros: idleMicros)
        let out = body(&slot.book)
        slot.lastMicros = max(slot.lastMicros, micros)
        slot.idleMicros = max(slot.idleMicros, idleMicros)
        slots[key] = slot
        if slots.count > maxUsers { evict(now: micros) }
        return out
    }

    /// Drops idle users; if still over the cap, the least recently active (ties broken by key: deterministic).
    mutating func evict(now: Int64) {
        slots = slots.filter { now - $0.value.lastMicros <= $0.value.idleMicros }
        // Trim to three quarters so that the next eviction is a quarter of the capacity away (amortised O(1)).
        guard slots.count > maxUsers * 3 / 4 else { return }
        let keep = slots.sorted { ($0.value.lastMicros, $0.key) > ($1.value.lastMicros, $1.key) }.prefix(maxUsers * 3 / 4)
        slots = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
    }
}

@inline(__always) func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
