import Foundation
import ParapetCore

/// What an incident of a type is keyed by.
public enum IncidentScope: String, Sendable, Hashable, Codable {
    /// One incident per conversation (prompt attacks, leaks, harmful content).
    case session
    /// One incident per user (user id, else source IP), across that user's sessions (wallet and access types).
    case user
}

/// One alert type: what an analyst reads about it and how it maps to MITRE ATLAS and the OWASP LLM Top 10.
public struct CatalogEntry: Sendable, Hashable, Codable {
    public var type: AlertType
    public var title: String
    public var description: String
    public var defaultSeverity: Severity
    public var subtypes: [String]
    /// ATLAS technique ids (`AML.T0054`, `AML.T0051.000`); names and tactics come from `ATLAS.techniques`.
    public var mitreAtlas: [String]
    /// OWASP LLM Top 10 (2025) ids, `LLM01:2025`.
    public var owaspLLM: [String]
    /// Steps an analyst can follow, in order.
    public var remediation: [String]
    public var scope: IncidentScope
    /// The closest Microsoft Defender for AI alert types, for SOCs that run both.
    public var defenderEquivalents: [String]
    /// Extra ATLAS techniques that apply only to some subtypes (e.g. `encoding` adds LLM Prompt Obfuscation).
    public var subtypeAtlas: [String: [String]]

    public init(type: AlertType, title: String, description: String, defaultSeverity: Severity, subtypes: [String] = [],
                mitreAtlas: [String], owaspLLM: [String], remediation: [String], scope: IncidentScope = .session,
                defenderEquivalents: [String] = [], subtypeAtlas: [String: [String]] = [:]) {
        self.type = type
        self.title = title
        self.description = description
        self.defaultSeverity = defaultSeverity
        self.subtypes = subtypes
        self.mitreAtlas = mitreAtlas
        self.owaspLLM = owaspLLM
        self.remediation = remediation
        self.scope = scope
        self.defenderEquivalents = defenderEquivalents
        self.subtypeAtlas = subtypeAtlas
    }

    /// The ATLAS ids for an alert of this type and subtype.
    public func atlas(forSubtype subtype: String?) -> [String] {
        guard let subtype, let extra = subtypeAtlas[subtype] else { return mitreAtlas }
        return mitreAtlas + extra.filter { !mitreAtlas.contains($0) }
    }

    enum CodingKeys: String, CodingKey {
        case type, title, description, subtypes, remediation, scope
        case defaultSeverity = "default_severity", mitreAtlas = "mitre_atlas", owaspLLM = "owasp_llm"
        case defenderEquivalents = "defender_equivalents", subtypeAtlas = "subtype_mitre_atlas"
    }

    /// The ATLAS techniques with names (unknown ids are kept with an empty name so that nothing is lost).
    public var atlasTechniques: [ATLAS.Technique] {
        mitreAtlas.map { ATLAS.techniques[$0] ?? ATLAS.Technique(id: $0, name: "", tactics: []) }
    }
}

/// The single source of truth for alert types (exported as `Schemas/alert-types.json`, explained in docs/alerts.md).
public struct AlertCatalog: Sendable {
    public let entries: [AlertType: CatalogEntry]
    public let version: String

    public init(entries: [CatalogEntry], version: String = "2026.1") {
        self.entries = Dictionary(entries.map { ($0.type, $0) }, uniquingKeysWith: { a, _ in a })
        self.version = version
    }

    public func entry(_ type: AlertType) -> CatalogEntry? { entries[type] }
    public var sortedEntries: [CatalogEntry] { entries.values.sorted { $0.type < $1.type } }
    public func scope(of type: AlertType) -> IncidentScope { entries[type]?.scope ?? .session }

    public static let standard = AlertCatalog(entries: StandardCatalog.entries)

    // MARK: export

    struct ExportTactic: Encodable { var id: String; var name: String }
    struct ExportTechnique: Encodable { var id: String; var name: String; var tactics: [ExportTactic] }
    struct ExportOWASP: Encodable { var id: String; var name: String }
    struct ExportEntry: Encodable {
        var type: String
        var title: String
        var description: String
        var default_severity: String
        var subtypes: [String]
        var scope: String
        var mitre_atlas: [ExportTechnique]
        var owasp_llm: [ExportOWASP]
        var remediation: [String]
        var defender_equivalents: [String]
        var subtype_mitre_atlas: [String: [String]]
    }
    struct Export: Encodable {
        var catalog_version: String
        var atlas_version: String
        var owasp_llm_edition: String
        var types: [ExportEntry]
    }

    /// The catalog as `Schemas/alert-types.json`: sorted keys, pretty-printed, byte-for-byte reproducible.
    public func exportJSON() throws -> Data {
        let types = sortedEntries.map { e in
            ExportEntry(
                type: e.type.rawValue, title: e.title, description: e.description,
                default_severity: e.defaultSeverity.rawValue, subtypes: e.subtypes, scope: e.scope.rawValue,
                mitre_atlas: e.atlasTechniques.map { t in
                    ExportTechnique(id: t.id, name: t.name, tactics: t.tactics.map {
                        ExportTactic(id: $0, name: ATLAS.tactics[$0]?.name ?? "")
                    })
                },
                owasp_llm: e.owaspLLM.map { ExportOWASP(id: $0, name: OWASPLLM.names[$0] ?? "") },
                remediation: e.remediation, defender_equivalents: e.defenderEquivalents,
                subtype_mitre_atlas: e.subtypeAtlas)
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data = try enc.encode(Export(catalog_version: version, atlas_version: ATLAS.version,
                                         owasp_llm_edition: OWASPLLM.edition, types: types))
        data.append(10)
        return data
    }

    /// The catalog as Markdown: a summary table, then one section per type (used by `parapet catalog --format
    /// markdown`; docs/alerts.md embeds this text verbatim between its `catalog:begin/end` markers).
    public func markdownReference() -> String {
        var s = "| type | title | default severity | scope | MITRE ATLAS | OWASP LLM (2025) |\n|---|---|---|---|---|---|\n"
        for e in sortedEntries {
            let atlas = e.mitreAtlas.joined(separator: ", ")
            let owasp = e.owaspLLM.joined(separator: ", ")
            s += "| `\(e.type.rawValue)` | \(e.title) | \(e.defaultSeverity.rawValue) | \(e.scope.rawValue) | \(atlas) | \(owasp) |\n"
        }
        for e in sortedEntries {
            s += "\n### `\(e.type.rawValue)`: \(e.title)\n\n\(e.description)\n\n"
            s += "- Default severity: \(e.defaultSeverity.rawValue); incident scope: \(e.scope.rawValue)\n"
            if !e.subtypes.isEmpty { s += "- Subtypes: " + e.subtypes.map { "`\($0)`" }.joined(separator: ", ") + "\n" }
            s += "- MITRE ATLAS: " + e.atlasTechniques.map { t in
                "\(t.id) \(t.name) (" + t.tactics.map { ATLAS.tactics[$0]?.name ?? $0 }.joined(separator: ", ") + ")"
            }.joined(separator: "; ") + "\n"
            for (sub, extra) in e.subtypeAtlas.sorted(by: { $0.key < $1.key }) {
                s += "  - subtype `\(sub)` adds: " + extra.map { "\($0) \(ATLAS.techniques[$0]?.name ?? "")" }.joined(separator: "; ") + "\n"
            }
            s += "- OWASP LLM Top 10: " + e.owaspLLM.map { "\($0) \(OWASPLLM.names[$0] ?? "")" }.joined(separator: "; ") + "\n"
            s += "- Defender for AI equivalent: "
                + (e.defenderEquivalents.isEmpty ? "none" : e.defenderEquivalents.map { "`\($0)`" }.joined(separator: ", ")) + "\n"
            s += "\nRemediation:\n\n"
            for (i, step) in e.remediation.enumerated() { s += "\(i + 1). \(step)\n" }
        }
        return s
    }
}
