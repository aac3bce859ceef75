/// The alert contract (`Schemas/alert.schema.json`): one incident of one type in one session (or for one user),
/// re-emitted with a higher `version` and the same `alert_id` as it grows.
public struct Alert: Codable, Sendable, Hashable {
    public struct Entities: Codable, Sendable, Hashable {
        public var user: UserInfo?
        public var ip: String?
        public var app: AppInfo?

        public init(user: UserInfo? = nil, ip: String? = nil, app: AppInfo? = nil) {
            self.user = user
            self.ip = ip
            self.app = app
        }
    }

    public struct Evidence: Codable, Sendable, Hashable {
        public var eventID: String
        public var role: Role
        public var time: EventTime
        /// Redacted excerpt around the matched indicators (absent when evidence text is switched off).
        public var excerpt: String?
        public var indicators: [String]
        public var scores: [String: Double]
        public var source: SourceInfo?

        public init(eventID: String, role: Role, time: EventTime, excerpt: String?, indicators: [String],
                    scores: [String: Double], source: SourceInfo? = nil) {
            self.eventID = eventID
            self.role = role
            self.time = time
            self.excerpt = excerpt
            self.indicators = indicators
            self.scores = scores
            self.source = source
        }

        enum CodingKeys: String, CodingKey {
            case eventID = "event_id", role, time, excerpt, indicators, scores, source
        }
    }

    public struct Detector: Codable, Sendable, Hashable {
        public var id: String
        public var version: String
        public init(id: String, version: String) {
            self.id = id
            self.version = version
        }
    }

    public var alertID: String
    public var version: Int
    public var type: AlertType
    public var subtype: String?
    public var severity: Severity
    public var confidence: Double
    public var title: String
    public var description: String
    public var remediation: [String]
    public var sessionID: String
    /// The incident's events, bounded: the first ones and the most recent ones (see `eventCount` for the total).
    public var eventIDs: [String]
    /// How many events the incident holds in total (`event_ids` and `evidence` are capped).
    public var eventCount: Int?
    public var firstSeen: EventTime
    public var lastSeen: EventTime
    public var entities: Entities
    public var evidence: [Evidence]
    public var mitreAtlas: [String]
    public var owaspLLM: [String]
    public var detector: Detector
    public var upstream: [String: JSONValue]?

    public init(alertID: String, version: Int, type: AlertType, subtype: String?, severity: Severity, confidence: Double,
                title: String, description: String, remediation: [String], sessionID: String, eventIDs: [String],
                firstSeen: EventTime, lastSeen: EventTime, entities: Entities, evidence: [Evidence],
                mitreAtlas: [String], owaspLLM: [String], detector: Detector, upstream: [String: JSONValue]? = nil,
                eventCount: Int? = nil) {
        self.alertID = alertID
        self.version = version
        self.type = type
        self.subtype = subtype
        self.severity = severity
        self.confidence = confidence
        self.title = title
        self.description = description
        self.remediation = remediation
        self.sessionID = sessionID
        self.eventIDs = eventIDs
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.entities = entities
        self.evidence = evidence
        self.mitreAtlas = mitreAtlas
        self.owaspLLM = owaspLLM
        self.detector = detector
        self.upstream = upstream
        self.eventCount = eventCount
    }

    enum CodingKeys: String, CodingKey {
        case alertID = "alert_id", version, type, subtype, severity, confidence, title, description, remediation
        case sessionID = "session_id", eventIDs = "event_ids", eventCount = "event_count", firstSeen = "first_seen", lastSeen = "last_seen"
        case entities, evidence, mitreAtlas = "mitre_atlas", owaspLLM = "owasp_llm", detector, upstream
    }
}
