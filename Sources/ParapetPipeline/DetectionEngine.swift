import ParapetAlerts
import ParapetCore
import ParapetDetect
import ParapetSession

/// Everything the engine keeps per conversation.
public struct SessionRecord: Sendable {
    public var state: SessionState
    public var incidents = IncidentBook()
}

/// Everything the engine keeps per user (or per address when events carry no user id).
public struct UserRecord: Sendable {
    public var activity = UserActivity()
    public var incidents = IncidentBook()
}

/// What one event produces: its verdict, and the alerts to emit.
public struct EngineOutput: Sendable {
    public var verdict: Verdict
    /// The alerts (new incidents or new versions) the event raised, then the final versions of the incidents of
    /// sessions and users the store evicted while processing it (`flushedAlerts` of them, at the end; these
    /// belong to other sessions, key them by their own `session_id`, and are not listed in the verdict).
    public var alerts: [Alert]
    /// How many of `alerts`, at the end, are final versions flushed because a session or user was evicted.
    public var flushedAlerts = 0

    public init(verdict: Verdict, alerts: [Alert], flushedAlerts: Int = 0) {
        self.verdict = verdict
        self.alerts = alerts
        self.flushedAlerts = flushedAlerts
    }
}

public struct EngineConfiguration: Sendable {
    public var policy = DetectionPolicy()
    public var limits = SessionLimits()
    public var alerts = AlertOptions()
    /// Live sessions kept per engine (one engine per Kafka partition, one for a replay).
    public var maxSessions = 100_000
    /// Extra event time, beyond the idle timeout, before an idle session's memory is reclaimed
    /// (so out-of-order streams do not lose a window that is still in use). Infinite: never reclaim by event
    /// time, only by the session cap; replays use that, so that results do not depend on the interleaving.
    public var reclaimLatenessSeconds: Double = 3600
    /// Conversation-detector thresholds and cues; nil means the bundled `conversation.yaml`.
    public var conversationSettings: ConversationSettings?
    /// Refusal phrases and scoring of the message-level refusal detector; nil means `PARAPET_REFUSALS` when set,
    /// else the bundled `refusals.yaml`.
    public var refusalPhrases: RefusalPhrases?
    /// User-level behaviour thresholds.
    public var userActivity = UserActivitySettings()
    /// Tor exits, listed IPs, attack-tool user agents.
    public var accessLists = AccessLists.bundled()
    /// Users (or addresses) tracked per engine.
    public var maxUsers = 100_000

    public init() {}

    /// For replays: windows are never reclaimed by event time (only by the session cap), so that the result
    /// does not depend on how sessions interleave, even when their times jump back and forth.
    public static var replay: EngineConfiguration {
        var c = EngineConfiguration()
        c.reclaimLatenessSeconds = .infinity
        return c
    }
}

/// The whole detection path for one stream of events (one partition, or one replay): pure and deterministic.
/// Message analysis -> session window and conversation detectors -> alert aggregation.
public struct DetectionEngine: Sendable {
    public let configuration: EngineConfiguration
    public let messages: MessageAnalyzer
    public let conversations: SessionAnalyzer
    public let aggregator: AlertAggregator
    public let userBehavior: UserBehaviorAnalyzer
    public private(set) var sessions: BoundedSessionStore<SessionRecord>
    public private(set) var users: BoundedSessionStore<UserRecord>
    public private(set) var eventsProcessed = 0
    /// Alert versions emitted because a session or user left the store (capacity or idle) with incident growth
    /// that no version carried yet.
    public private(set) var alertsFlushedOnEviction = 0

    public init(configuration: EngineConfiguration, messages: MessageAnalyzer, conversations: SessionAnalyzer,
                catalog: AlertCatalog = .standard) {
        self.configuration = configuration
        self.messages = messages
        self.conversations = conversations
        self.aggregator = AlertAggregator(catalog: catalog, options: configuration.alerts)
        self.sessions = BoundedSessionStore(
            maxSessions: configuration.maxSessions,
            idleTimeoutSeconds: configuration.limits.idleTimeoutSeconds + configuration.reclaimLatenessSeconds)
        self.userBehavior = UserBehaviorAnalyzer(settings: configuration.userActivity, lists: configuration.accessLists)
        let u = configuration.userActivity
        self.users = BoundedSessionStore(
            maxSessions: configuration.maxUsers,
            idleTimeoutSeconds: max(u.repeatedAttackWindowSeconds, u.volumeBucketSeconds * Double(max(u.volumeMinHistory, 1) + 1))
                + configuration.reclaimLatenessSeconds)
    }

    public mutating func process(_ event: ChatEvent) -> EngineOutput {
        eventsProcessed += 1
        let analysis = messages.analyze(event)
        let thresholds = messages.policy.thresholds(for: event)
        var turn = TurnRecord(
            eventID: event.eventID, role: event.role, time: event.time, scores: analysis.scores,
            indicators: analysis.indicators.map(\.id), text: analysis.normalizedText)
        turn.jailbreakEvidence = analysis.jailbreakEvidence
        let limits = conversations.limits
        let idleMicros = Int64(limits.idleTimeoutSeconds * 1_000_000)
        let conversations = self.conversations
        let aggregator = self.aggregator
        let userBehavior = self.userBehavior
        // Sessions and users leaving the stores (capacity, idle) take their incidents with them: the final version
        // of each incident that grew since its last version is flushed (`AlertAggregator.flush`) and returned after
        // this event's own alerts, so it is not lost; the evicted record, incidents included, is then freed.
        var flushed: [Alert] = []
        var output = sessions.update(event.sessionID, at: event.time.micros,
                               create: { SessionRecord(state: SessionState(sessionID: event.sessionID, time: event.time)) },
                               onEvict: { _, rec, _ in
                                   var book = rec.incidents
                                   flushed += aggregator.flush(&book)
                               }) { rec in
            // A session idle past the timeout (in its own event time) starts over: deterministic whatever the interleaving.
            if rec.state.turnCount > 0, event.time.micros - rec.state.lastTime.micros > idleMicros {
                rec.state = SessionState(sessionID: event.sessionID, time: event.time)
            }
            var findings = analysis.findings
            findings.append(contentsOf: conversations.observe(turn, in: &rec.state))
            let ctx = AlertAggregator.EventContext(
                event: event, text: analysis.revealedText ?? event.content, scores: analysis.scores.named)
            let alerts = aggregator.apply(findings, at: ctx, book: &rec.incidents)
            var verdict = Verdict(
                eventID: event.eventID, sessionID: event.sessionID, time: event.time, role: event.role,
                harm: Self.harm(analysis.scores, thresholds),
                attack: .init(jailbreak: r3(analysis.scores.jailbreak), promptInjection: r3(analysis.scores.promptInjection),
                              indirectInjection: r3(analysis.scores.indirectInjection)),
                sessionRisk: r3(min(1, rec.state.risk)), indicators: analysis.indicators, alerts: alerts.map(\.type))
            var signals: [String: Double] = [:]
            if analysis.scores.refusal > 0.0005 { signals["refusal"] = r3(analysis.scores.refusal) }
            if analysis.scores.reconnaissance > 0.0005 { signals["reconnaissance"] = r3(analysis.scores.reconnaissance) }
            if analysis.scores.manyShot > 0.0005 { signals["many_shot"] = r3(analysis.scores.manyShot) }
            if !signals.isEmpty { verdict.signals = signals }
            return EngineOutput(verdict: verdict, alerts: alerts)
        }
        // User-level behaviour across sessions, with incidents scoped to the user.
        if let key = AlertAggregator.userScopeKey(for: event) {
            let attack = output.alerts.contains { Self.isAttack($0.type) } || analysis.findings.contains { Self.isAttack($0.type) }
            let extra = users.update(key, at: event.time.micros, create: { UserRecord() },
                                     onEvict: { _, u, _ in
                                         var book = u.incidents
                                         flushed += aggregator.flush(&book)
                                     }) { u -> [Alert] in
                let found = userBehavior.accessFindings(event)
                    + userBehavior.observe(event, normalizedText: analysis.normalizedText, attack: attack, state: &u.activity)
                guard !found.isEmpty else { return [] }
                let ctx = AlertAggregator.EventContext(event: event, text: event.content, scores: analysis.scores.named)
                return aggregator.apply(found, at: ctx, scope: key, book: &u.incidents)
            }
            if !extra.isEmpty {
                output.alerts.append(contentsOf: extra)
                output.verdict.alerts.append(contentsOf: extra.map(\.type))
            }
        }
        if !flushed.isEmpty {
            output.alerts += flushed
            output.flushedAlerts = flushed.count
            alertsFlushedOnEviction += flushed.count
        }
        return output
    }

    /// Emits the final version of every incident still held that grew since its last emitted version (sessions in
    /// key order, then users), and marks it emitted, so that a second call emits nothing new. For the end of a
    /// replay (`parapet replay --flush-incidents`); incidents of evicted sessions and users were flushed already.
    public mutating func flushOpenIncidents() -> [Alert] {
        Self.flush(&sessions, aggregator) + Self.flush(&users, aggregator)
    }

    /// Flushes the incidents of every record of `store`, in key order.
    static func flush<Record: IncidentHolder>(_ store: inout BoundedSessionStore<Record>, _ aggregator: AlertAggregator) -> [Alert] {
        var out: [Alert] = []
        for k in store.keys.sorted() {
            guard let rec = store.value(for: k), !rec.incidents.isEmpty else { continue }
            var book = rec.incidents
            let alerts = aggregator.flush(&book)
            guard !alerts.isEmpty else { continue }
            out += alerts
            store.modify(k) { $0.incidents = book }
        }
        return out
    }

    static func isAttack(_ t: AlertType) -> Bool {
        t.rawValue.hasPrefix("jailbreak.") || t.rawValue.hasPrefix("prompt_injection.")
    }

    static func harm(_ s: MessageScores, _ t: DetectionThresholds) -> Verdict.Harm {
        func h(_ c: HarmCategory) -> Verdict.HarmScore { .init(level: t.level(forHarm: s[c], in: c), score: r3(s[c])) }
        return Verdict.Harm(hate: h(.hate), sexual: h(.sexual), violence: h(.violence), selfHarm: h(.selfHarm), illicit: h(.illicit))
    }
}

@inline(__always) func r3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

/// A per-session or per-user record that keeps incidents (both flushed the same way).
protocol IncidentHolder {
    var incidents: IncidentBook { get set }
}

extension SessionRecord: IncidentHolder {}
extension UserRecord: IncidentHolder {}
