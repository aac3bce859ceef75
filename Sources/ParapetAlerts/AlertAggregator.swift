import ParapetCore

/// The open incidents of one session (or one user, for user-level types): one per alert type.
public struct IncidentBook: Sendable, Hashable {
    var open: [AlertType: Incident] = [:]
    public init() {}
    public var isEmpty: Bool { open.isEmpty }
    public var openCount: Int { open.count }
}

struct Incident: Sendable, Hashable {
    var alert: Alert
    /// Number of events in the incident when it was last emitted (updates are emitted at 1, 2, 4, 8, ... events).
    var emittedAtCount: Int
    var emittedSeverity: Severity
    var eventCount: Int
}

/// Turns findings into alerts: one alert per incident (session and type), re-emitted with a higher `version`
/// and the same `alert_id` when it grows. Deterministic: ids and versions depend only on the session's events.
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

    /// Applies the findings raised at one event; returns the alerts (new or new versions) to emit, in type order.
    public func apply(_ findings: [Finding], at ctx: EventContext, scope: String? = nil, book: inout IncidentBook) -> [Alert] {
        guard !findings.isEmpty else { return [] }
        // One finding per type and event: keep the strongest.
        var best: [AlertType: Finding] = [:]
        for f in findings {
            if let b = best[f.type], (b.severity, b.confidence) >= (f.severity, f.confidence) {
                best[f.type] = merge(b, f)
            } else {
                best[f.type] = best[f.type].map { merge(f, $0) } ?? f
            }
        }
        var out: [Alert] = []
        let window = Int64(options.suppressionWindowSeconds * 1_000_000)
        for type in best.keys.sorted() {
            let f = best[type]!
            if var inc = book.open[type], ctx.event.time.micros - inc.alert.lastSeen.micros <= window {
                grow(&inc, with: f, ctx: ctx)
                if inc.alert.severity > inc.emittedSeverity || inc.eventCount >= inc.emittedAtCount * 2 {
                    inc.alert.version += 1
                    inc.emittedAtCount = inc.eventCount
                    inc.emittedSeverity = inc.alert.severity
                    out.append(inc.alert)
                }
                book.open[type] = inc
            } else {
                let inc = open(f, ctx: ctx, scope: scope)
                book.open[type] = inc
                out.append(inc.alert)
            }
        }
        return out
    }

    func merge(_ a: Finding, _ b: Finding) -> Finding {
        var m = a
        for i in b.indicators where !m.indicators.contains(i) { m.indicators.append(i) }
        for t in b.contributingTurns where !m.contributingTurns.contains(where: { $0.eventID == t.eventID }) {
            m.contributingTurns.append(t)
        }
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
            evidence: [], mitreAtlas: entry?.mitreAtlas ?? [], owaspLLM: entry?.owaspLLM ?? [],
            detector: Alert.Detector(id: f.detector, version: options.detectorVersion),
            upstream: e.upstream)
        var inc = Incident(alert: alert, emittedAtCount: 1, emittedSeverity: f.severity, eventCount: 0)
        grow(&inc, with: f, ctx: ctx)
        inc.emittedAtCount = inc.eventCount
        return inc
    }

    func grow(_ inc: inout Incident, with f: Finding, ctx: EventContext) {
        var a = inc.alert
        // Earlier turns that built a conversation-level attack come first, in order.
        for t in f.contributingTurns where !a.eventIDs.contains(t.eventID) {
            a.eventIDs.append(t.eventID)
            appendEvidence(&a, Alert.Evidence(
                eventID: t.eventID, role: t.role, time: t.time,
                excerpt: evidence.excerpt(of: t.excerpt, around: []),
                indicators: t.indicators, scores: t.scores))
            if t.time < a.firstSeen { a.firstSeen = t.time }
            inc.eventCount += 1
        }
        let e = ctx.event
        if !a.eventIDs.contains(e.eventID) {
            a.eventIDs.append(e.eventID)
            appendEvidence(&a, Alert.Evidence(
                eventID: e.eventID, role: e.role, time: e.time,
                excerpt: evidence.excerpt(of: ctx.text, around: f.indicators.compactMap(\.match)),
                indicators: f.indicators.map(\.id), scores: f.scores.isEmpty ? ctx.scores : f.scores,
                source: e.source))
            inc.eventCount += 1
        }
        if e.time > a.lastSeen { a.lastSeen = e.time }
        if f.severity > a.severity { a.severity = f.severity }
        a.confidence = max(a.confidence, round3(f.confidence))
        if a.subtype == nil { a.subtype = f.subtype }
        if a.entities.user == nil { a.entities.user = e.user }
        if a.entities.ip == nil { a.entities.ip = e.user?.ip }
        if a.entities.app == nil { a.entities.app = e.app }
        inc.alert = a
    }

    /// Keeps the first half and the most recent entries when evidence exceeds the cap.
    func appendEvidence(_ a: inout Alert, _ ev: Alert.Evidence) {
        a.evidence.append(ev)
        if a.evidence.count > options.maxEvidence {
            a.evidence.remove(at: options.maxEvidence / 2)
        }
    }
}

@inline(__always) func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
