import Foundation
import ParapetCore

/// An OCSF 1.x Detection Finding (class_uid 2004): the fields Parapet fills
/// (`Schemas/ocsf-detection-finding.schema.json`). Optional fields that are nil are left out of the JSON.
public struct OCSFDetectionFinding: Codable, Sendable, Hashable {
    public struct Product: Codable, Sendable, Hashable {
        public var name: String
        public var vendor_name: String
        public var version: String
    }

    public struct Metadata: Codable, Sendable, Hashable {
        public var version: String
        public var product: Product
        /// This record: `<alert_id>/<version>`.
        public var uid: String
        /// The conversation (session) id, for correlation with other findings and telemetry.
        public var correlation_uid: String
        public var tenant_uid: String?
        public var labels: [String]?
        public var log_name: String?
    }

    public struct Tactic: Codable, Sendable, Hashable {
        public var uid: String
        public var name: String
    }

    public struct Technique: Codable, Sendable, Hashable {
        public var uid: String
        public var name: String
    }

    public struct Attack: Codable, Sendable, Hashable {
        public var technique: Technique
        public var sub_technique: Technique?
        public var tactic: Tactic?
        public var tactics: [Tactic]?
        public var version: String
    }

    public struct Analytic: Codable, Sendable, Hashable {
        public var uid: String
        public var name: String
        public var type_id: Int
        public var type: String
        public var version: String?
    }

    public struct RelatedEvent: Codable, Sendable, Hashable {
        public var uid: String
    }

    public struct FindingInfo: Codable, Sendable, Hashable {
        public var uid: String
        public var title: String
        public var desc: String
        public var types: [String]
        public var attacks: [Attack]
        public var analytic: Analytic
        public var first_seen_time: Int64
        public var last_seen_time: Int64
        public var related_events: [RelatedEvent]
        public var related_events_count: Int
        public var tags: [String]?
    }

    public struct Remediation: Codable, Sendable, Hashable {
        public var desc: String
        public var references: [String]?
    }

    public struct Observable: Codable, Sendable, Hashable {
        public var name: String
        public var type_id: Int
        public var type: String
        public var value: String
    }

    public struct Resource: Codable, Sendable, Hashable {
        public var name: String?
        public var uid: String?
        public var type: String
        public var labels: [String]?
    }

    public struct EvidenceData: Codable, Sendable, Hashable {
        public var event_id: String
        public var role: String
        public var time: String
        public var excerpt: String?
        public var indicators: [String]
        public var scores: [String: Double]
        public var source_kind: String?
        public var source_name: String?
        public var source_uri: String?
    }

    public struct EvidenceItem: Codable, Sendable, Hashable {
        public var data: EvidenceData
    }

    public var activity_id: Int
    public var activity_name: String
    public var category_uid: Int
    public var category_name: String
    public var class_uid: Int
    public var class_name: String
    public var type_uid: Int
    public var type_name: String
    public var severity_id: Int
    public var severity: String
    public var status_id: Int
    public var status: String
    public var confidence_id: Int
    public var confidence: String
    public var confidence_score: Int
    public var is_alert: Bool
    public var time: Int64
    public var start_time: Int64
    public var end_time: Int64
    public var count: Int
    public var timezone_offset: Int
    public var message: String
    public var metadata: Metadata
    public var finding_info: FindingInfo
    public var evidences: [EvidenceItem]?
    public var observables: [Observable]?
    public var resources: [Resource]?
    public var remediation: Remediation?
    public var unmapped: [String: JSONValue]?
}

/// Maps native alerts to OCSF Detection Findings (class 2004, category 2 Findings).
/// - `finding_info.uid` = `alert_id`; version 1 is activity 1 Create, later versions 2 Update.
/// - `metadata.correlation_uid` = `session_id`; `metadata.uid` = `alert_id/version`.
/// - ATLAS techniques go to `finding_info.attacks` (sub-techniques as `sub_technique` of their parent), OWASP ids
///   to `finding_info.types` as `OWASP-LLM01:2025`, the Parapet type as `parapet:<type>`.
/// - `time` is the event time of the incident's latest event (deterministic: a replay gives the same bytes).
public struct OCSFMapper: Sendable {
    public static let ocsfVersion = "1.8.0"
    public var productName = "Parapet"
    public var vendorName = "Parapet"
    public var productVersion: String
    public var catalog: AlertCatalog

    public init(productVersion: String = "0.1.0", catalog: AlertCatalog = .standard) {
        self.productVersion = productVersion
        self.catalog = catalog
    }

    public static func severityID(_ s: Severity) -> Int {
        switch s {
        case .informational: 1
        case .low: 2
        case .medium: 3
        case .high: 4
        }
    }

    static func severityName(_ s: Severity) -> String {
        switch s {
        case .informational: "Informational"
        case .low: "Low"
        case .medium: "Medium"
        case .high: "High"
        }
    }

    /// OCSF confidence_id: 1 Low, 2 Medium, 3 High.
    static func confidence(_ c: Double) -> (Int, String) {
        c >= 0.8 ? (3, "High") : (c >= 0.5 ? (2, "Medium") : (1, "Low"))
    }

    /// OCSF analytic type: 1 Rule, 2 Behavioral, 3 Statistical, 4 Learning (ML/DL), 99 Other.
    static func analyticType(_ detector: String) -> (Int, String) {
        if detector.hasPrefix("session.") || detector.hasPrefix("user.repeated") { return (2, "Behavioral") }
        if detector.hasPrefix("user.volume") || detector.hasPrefix("user.duplicates") { return (3, "Statistical") }
        if detector.hasPrefix("model.") || detector.contains(".model") { return (4, "Learning") }
        if detector.hasPrefix("rule") || detector.hasPrefix("unicode.") || detector.hasPrefix("user.access")
            || detector.hasPrefix("secret") || detector.hasPrefix("url") { return (1, "Rule") }
        return (99, "Other")
    }

    static func millis(_ t: EventTime) -> Int64 { t.micros / 1000 }

    public func attacks(_ ids: [String]) -> [OCSFDetectionFinding.Attack] {
        ids.map { id in
            let t = ATLAS.techniques[id] ?? ATLAS.Technique(id: id, name: id, tactics: [])
            let tactics = t.tactics.map { OCSFDetectionFinding.Tactic(uid: $0, name: ATLAS.tactics[$0]?.name ?? $0) }
            if let parent = t.parent {
                let p = ATLAS.techniques[parent]
                return .init(technique: .init(uid: parent, name: p?.name ?? parent),
                             sub_technique: .init(uid: id, name: t.name), tactic: tactics.first,
                             tactics: tactics.isEmpty ? nil : tactics, version: ATLAS.version)
            }
            return .init(technique: .init(uid: id, name: t.name), sub_technique: nil, tactic: tactics.first,
                         tactics: tactics.isEmpty ? nil : tactics, version: ATLAS.version)
        }
    }

    public func map(_ a: Alert) -> OCSFDetectionFinding {
        let activity = a.version <= 1 ? (1, "Create") : (2, "Update")
        let conf = Self.confidence(a.confidence)
        let analytic = Self.analyticType(a.detector.id)
        var observables: [OCSFDetectionFinding.Observable] = []
        if let ip = a.entities.ip { observables.append(.init(name: "src_endpoint.ip", type_id: 2, type: "IP Address", value: ip)) }
        if let uid = a.entities.user?.id { observables.append(.init(name: "actor.user.uid", type_id: 4, type: "User Name", value: uid)) }
        if let ua = a.entities.user?.userAgent {
            observables.append(.init(name: "http_request.user_agent", type_id: 16, type: "HTTP User-Agent", value: ua))
        }
        var resources: [OCSFDetectionFinding.Resource] = []
        if let app = a.entities.app, app.name != nil || app.deployment != nil {
            resources.append(.init(name: app.name, uid: app.deployment, type: "AI Application",
                                   labels: app.model.map { ["model:\($0)"] }))
        }
        var unmapped: [String: JSONValue] = [
            "parapet_type": .string(a.type.rawValue),
            "parapet_version": .number(Double(a.version)),
            "session_id": .string(a.sessionID),
        ]
        if let s = a.subtype { unmapped["parapet_subtype"] = .string(s) }
        if let m = a.entities.app?.model { unmapped["model"] = .string(m) }
        if let up = a.upstream { unmapped["upstream"] = .object(up) }
        let types = a.owaspLLM.map { "OWASP-" + $0 } + ["parapet:" + a.type.rawValue + (a.subtype.map { "/" + $0 } ?? "")]
        return OCSFDetectionFinding(
            activity_id: activity.0, activity_name: activity.1,
            category_uid: 2, category_name: "Findings", class_uid: 2004, class_name: "Detection Finding",
            type_uid: 2004 * 100 + activity.0, type_name: "Detection Finding: " + activity.1,
            severity_id: Self.severityID(a.severity), severity: Self.severityName(a.severity),
            status_id: 1, status: "New", confidence_id: conf.0, confidence: conf.1,
            confidence_score: Int((a.confidence * 100).rounded()), is_alert: a.severity >= .low,
            time: Self.millis(a.lastSeen), start_time: Self.millis(a.firstSeen), end_time: Self.millis(a.lastSeen),
            count: a.eventCount ?? a.eventIDs.count, timezone_offset: 0, message: a.title,
            metadata: .init(
                version: Self.ocsfVersion,
                product: .init(name: productName, vendor_name: vendorName, version: productVersion),
                uid: "\(a.alertID)/\(a.version)", correlation_uid: a.sessionID, tenant_uid: a.entities.user?.tenantID,
                labels: ["parapet", a.type.rawValue], log_name: "parapet.alerts"),
            finding_info: .init(
                uid: a.alertID, title: a.title, desc: a.description, types: types,
                attacks: attacks(a.mitreAtlas),
                analytic: .init(uid: a.detector.id, name: a.detector.id, type_id: analytic.0, type: analytic.1,
                                version: a.detector.version),
                first_seen_time: Self.millis(a.firstSeen), last_seen_time: Self.millis(a.lastSeen),
                related_events: a.eventIDs.map { .init(uid: $0) }, related_events_count: a.eventCount ?? a.eventIDs.count,
                tags: nil),
            evidences: a.evidence.isEmpty ? nil : a.evidence.map { e in
                .init(data: .init(event_id: e.eventID, role: e.role.rawValue, time: e.time.text, excerpt: e.excerpt,
                                  indicators: e.indicators, scores: e.scores, source_kind: e.source?.kind,
                                  source_name: e.source?.name, source_uri: e.source?.uri))
            },
            observables: observables.isEmpty ? nil : observables,
            resources: resources.isEmpty ? nil : resources,
            remediation: a.remediation.isEmpty ? nil : .init(
                desc: a.remediation.enumerated().map { "\($0.offset + 1). \($0.element)" }.joined(separator: " "),
                references: ["https://atlas.mitre.org/techniques/" + (a.mitreAtlas.first?.split(separator: ".").prefix(2).joined(separator: ".") ?? "")]
                    .filter { !$0.hasSuffix("/") }),
            unmapped: unmapped)
    }
}

/// The alert output formats a sink can choose.
public enum AlertFormat: String, Sendable, CaseIterable, Codable {
    /// Parapet's own alert (`Schemas/alert.schema.json`).
    case native
    /// OCSF 1.x Detection Finding (`Schemas/ocsf-detection-finding.schema.json`).
    case ocsf
}
