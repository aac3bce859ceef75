import ParapetCore

/// One alert type: what an analyst reads about it and how it maps to MITRE ATLAS and the OWASP LLM Top 10.
public struct CatalogEntry: Sendable, Hashable, Codable {
    public var type: AlertType
    public var title: String
    public var description: String
    public var defaultSeverity: Severity
    public var subtypes: [String]
    public var mitreAtlas: [String]
    public var owaspLLM: [String]
    public var remediation: [String]

    enum CodingKeys: String, CodingKey {
        case type, title, description, subtypes, remediation
        case defaultSeverity = "default_severity", mitreAtlas = "mitre_atlas", owaspLLM = "owasp_llm"
    }
}

/// The single source of truth for alert types (exported as `Schemas/alert-types.json`, explained in docs/alerts.md).
public struct AlertCatalog: Sendable {
    public let entries: [AlertType: CatalogEntry]
    public let version = "2025.1"

    public init(entries: [CatalogEntry]) {
        self.entries = Dictionary(entries.map { ($0.type, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public func entry(_ type: AlertType) -> CatalogEntry? { entries[type] }
    public var sortedEntries: [CatalogEntry] { entries.values.sorted { $0.type < $1.type } }

    public static let standard = AlertCatalog(entries: StandardCatalog.entries)
}
