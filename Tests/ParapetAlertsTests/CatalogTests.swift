import Foundation
import ParapetAlerts
import ParapetCore
import Testing

@Suite struct CatalogTests {
    let catalog = AlertCatalog.standard

    /// Every `public static let x: AlertType = "..."` in ParapetCore, read from the source.
    func coreConstants() throws -> Set<String> {
        let src = try String(contentsOf: Fix.repoRoot.appendingPathComponent("Sources/ParapetCore/AlertType.swift"), encoding: .utf8)
        var out = Set<String>()
        for line in src.split(separator: "\n") where line.contains(": AlertType = \"") {
            let parts = line.split(separator: "\"")
            if parts.count >= 2 { out.insert(String(parts[1])) }
        }
        for c in HarmCategory.allCases { out.insert(AlertType.harmfulContent(c).rawValue) }
        return out
    }

    /// Types named as data: `type:` in rule packs (YAML under the detectors' resources) and string literals
    /// passed as alert types in detector sources.
    func typesNamedByDetectors() throws -> Set<String> {
        var out = Set<String>()
        let fm = FileManager.default
        for dir in ["Sources/ParapetDetect", "Sources/ParapetSession"] {
            let root = Fix.repoRoot.appendingPathComponent(dir)
            guard let e = fm.enumerator(at: root, includingPropertiesForKeys: nil) else { continue }
            for case let url as URL in e {
                let ext = url.pathExtension
                guard ext == "yaml" || ext == "yml" || ext == "swift",
                      let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
                for raw in text.split(separator: "\n") {
                    let line = raw.trimmingCharacters(in: .whitespaces)
                    if ext != "swift", line.hasPrefix("type:") {
                        let v = line.dropFirst(5).trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
                        if !v.isEmpty, !v.hasPrefix("#") { out.insert(v) }
                    }
                    if ext == "swift", let r = line.range(of: "AlertType(rawValue: \"") {
                        let rest = line[r.upperBound...]
                        if let q = rest.firstIndex(of: "\"") { out.insert(String(rest[..<q])) }
                    }
                }
            }
        }
        return out
    }

    @Test func everyCoreTypeIsInTheCatalogAndTheReverse() throws {
        let core = try coreConstants()
        #expect(core.count >= 20)
        let cat = Set(catalog.entries.keys.map(\.rawValue))
        #expect(core.subtracting(cat).isEmpty, "types without a catalog entry: \(core.subtracting(cat).sorted())")
        #expect(cat.subtracting(core).isEmpty, "catalog entries with no AlertType constant: \(cat.subtracting(core).sorted())")
    }

    @Test func everyTypeNamedByARulePackOrDetectorIsInTheCatalog() throws {
        let named = try typesNamedByDetectors()
        let missing = named.filter { catalog.entry(AlertType(rawValue: $0)) == nil }
        #expect(missing.isEmpty, "unknown alert types named by detectors or rule packs: \(missing.sorted())")
    }

    /// `type: .name, subtype: "x"` pairs in detector sources (same line or up to two lines apart).
    func subtypesNamedByDetectors() throws -> [(String, String)] {
        let src = try String(contentsOf: Fix.repoRoot.appendingPathComponent("Sources/ParapetCore/AlertType.swift"), encoding: .utf8)
        var byName: [String: String] = [:]
        for line in src.split(separator: "\n") where line.contains(": AlertType = \"") {
            let name = line.split(separator: "let ").last?.split(separator: ":").first.map(String.init)
            let parts = line.split(separator: "\"")
            if let name, parts.count >= 2 { byName[name] = String(parts[1]) }
        }
        var out: [(String, String)] = []
        // Rule packs: `type:` and `subtype:` of the same list item.
        for dir in ["Sources/ParapetDetect/Resources", "Sources/ParapetSession/Resources"] {
            guard let e = FileManager.default.enumerator(at: Fix.repoRoot.appendingPathComponent(dir), includingPropertiesForKeys: nil)
            else { continue }
            for case let url as URL in e where url.pathExtension == "yaml" || url.pathExtension == "yml" {
                var type: String?, sub: String?
                func flush() {
                    if let type, let sub { out.append((type, sub)) }
                    type = nil
                    sub = nil
                }
                for raw in ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n") {
                    let line = raw.trimmingCharacters(in: .whitespaces)
                    if line.hasPrefix("- ") { flush() }
                    let body = line.hasPrefix("- ") ? String(line.dropFirst(2)) : line
                    func value(_ key: String) -> String? {
                        guard body.hasPrefix(key) else { return nil }
                        let v = body.dropFirst(key.count).split(separator: "#").first.map(String.init) ?? ""
                        return v.trimmingCharacters(in: CharacterSet(charactersIn: " \"'"))
                    }
                    if let v = value("type:") { type = v }
                    if let v = value("subtype:") { sub = v }
                }
                flush()
            }
        }
        for dir in ["Sources/ParapetDetect", "Sources/ParapetSession"] {
            guard let e = FileManager.default.enumerator(at: Fix.repoRoot.appendingPathComponent(dir), includingPropertiesForKeys: nil)
            else { continue }
            for case let url as URL in e where url.pathExtension == "swift" {
                let lines = (try? String(contentsOf: url, encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false) ?? []
                for (i, l) in lines.enumerated() {
                    guard let r = l.range(of: "subtype: \"") else { continue }
                    let rest = l[r.upperBound...]
                    guard let q = rest.firstIndex(of: "\"") else { continue }
                    let sub = String(rest[..<q])
                    for j in stride(from: i, through: max(0, i - 2), by: -1) {
                        if let tr = lines[j].range(of: "type: .") {
                            let name = String(lines[j][tr.upperBound...].prefix(while: { $0.isLetter || $0.isNumber }))
                            if let raw = byName[name] { out.append((raw, sub)) }
                            break
                        }
                    }
                }
            }
        }
        return out
    }

    @Test func everySubtypeADetectorEmitsIsListed() throws {
        let pairs = try subtypesNamedByDetectors()
        for (type, sub) in pairs {
            #expect(catalog.entry(AlertType(rawValue: type))?.subtypes.contains(sub) == true, "\(type) lacks subtype \(sub)")
        }
    }

    @Test func entriesAreCompleteAndWellFormed() {
        for e in catalog.sortedEntries {
            let t = e.type.rawValue
            #expect(!e.title.isEmpty && e.title.count <= 80, "\(t): title")
            #expect(e.description.count >= 40, "\(t): description too short")
            #expect(!e.mitreAtlas.isEmpty, "\(t): no ATLAS technique")
            for id in e.mitreAtlas + e.subtypeAtlas.values.flatMap({ $0 }) {
                #expect(ATLAS.isTechniqueID(id), "\(t): bad ATLAS id \(id)")
                #expect(ATLAS.techniques[id] != nil, "\(t): ATLAS id \(id) has no name")
            }
            for sub in e.subtypeAtlas.keys { #expect(e.subtypes.contains(sub), "\(t): subtype_mitre_atlas for unknown subtype \(sub)") }
            #expect(!e.owaspLLM.isEmpty, "\(t): no OWASP id")
            for id in e.owaspLLM { #expect(OWASPLLM.isID(id), "\(t): bad OWASP id \(id)") }
            #expect(e.remediation.count >= 2, "\(t): needs at least two remediation steps")
            #expect(e.remediation.allSatisfy { $0.count >= 15 && $0.hasSuffix(".") }, "\(t): remediation steps are sentences")
            #expect(Set(e.subtypes).count == e.subtypes.count, "\(t): duplicate subtypes")
        }
    }

    @Test func atlasTechniquesHaveKnownTactics() {
        for t in ATLAS.techniques.values {
            #expect(!t.name.isEmpty)
            #expect(!t.tactics.isEmpty && t.tactics.allSatisfy { ATLAS.tactics[$0] != nil }, "\(t.id)")
            if let p = t.parent { #expect(ATLAS.techniques[p] != nil, "\(t.id): parent \(p) missing") }
        }
        #expect(ATLAS.isTechniqueID("AML.T0051.000"))
        #expect(!ATLAS.isTechniqueID("AML.T51"))
        #expect(!ATLAS.isTechniqueID("T1059"))
        #expect(!OWASPLLM.isID("LLM11:2025"))
    }

    @Test func requiredTypesAndSubtypesArePresent() {
        let direct = catalog.entry(.jailbreakDirect)
        #expect(direct?.subtypes == ["system_rules", "conversation_mockup", "role_play", "encoding", "adversarial_suffix"])
        #expect(direct?.atlas(forSubtype: "encoding").contains("AML.T0068") == true)
        #expect(direct?.atlas(forSubtype: "role_play").contains("AML.T0068") == false)
        #expect(catalog.entry(.maliciousURL)?.subtypes.contains("tool_output") == true)
        for t in [AlertType.walletDuplicateRequests, .walletVolumeAnomaly, .accessAnonymizedIP, .accessSuspiciousIP,
                  .accessSuspiciousUserAgent] {
            #expect(catalog.scope(of: t) == .user, "\(t) should be user-scoped")
        }
        #expect(catalog.scope(of: .jailbreakMultiTurn) == .session)
    }

    @Test func exportIsDeterministicAndMatchesTheCheckedInFile() throws {
        let a = try catalog.exportJSON()
        let b = try AlertCatalog(entries: catalog.sortedEntries.reversed()).exportJSON()
        #expect(a == b)
        let obj = try JSONSerialization.jsonObject(with: a) as? [String: Any]
        let types = obj?["types"] as? [[String: Any]]
        #expect(types?.count == catalog.entries.count)
        let first = types?.first?["mitre_atlas"] as? [[String: Any]]
        #expect((first?.first?["name"] as? String)?.isEmpty == false)
        let file = Fix.repoRoot.appendingPathComponent("Schemas/alert-types.json")
        let onDisk = try Data(contentsOf: file)
        #expect(onDisk == a, "Schemas/alert-types.json is stale: run `parapet catalog --output Schemas/alert-types.json`")
    }

    @Test func docsMentionEveryType() throws {
        let doc = try String(contentsOf: Fix.repoRoot.appendingPathComponent("docs/alerts.md"), encoding: .utf8)
        for e in catalog.sortedEntries { #expect(doc.contains("`\(e.type.rawValue)`"), "docs/alerts.md lacks \(e.type)") }
        #expect(doc.contains(catalog.markdownReference()),
                "docs/alerts.md: the reference section is stale; paste `parapet catalog --format markdown` between the markers")
    }
}
