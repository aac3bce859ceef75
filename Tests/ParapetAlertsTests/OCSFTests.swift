import Foundation
import ParapetAlerts
import ParapetCore
import Testing

@Suite struct OCSFTests {
    func alerts() -> [Alert] {
        let agg = AlertAggregator()
        var book = IncidentBook()
        var out: [Alert] = []
        for i in 0..<3 {
            out += agg.apply([Fix.finding(.jailbreakDirect, severity: i == 2 ? .high : .medium, subtype: "encoding")],
                             at: Fix.ctx(Fix.event("s-ocsf", i)), book: &book)
        }
        return out
    }

    func json(_ f: OCSFDetectionFinding) throws -> [String: Any] {
        let d = try JSONEncoder().encode(f)
        return try #require(try JSONSerialization.jsonObject(with: d) as? [String: Any])
    }

    @Test func createThenUpdate() throws {
        let a = alerts()
        #expect(a.count == 3)
        let m = OCSFMapper()
        let v1 = m.map(a[0]), v2 = m.map(a[2])
        #expect(v1.class_uid == 2004 && v1.category_uid == 2)
        #expect(v1.activity_id == 1 && v1.type_uid == 200401 && v1.type_name == "Detection Finding: Create")
        #expect(v2.activity_id == 2 && v2.type_uid == 200402)
        #expect(v1.finding_info.uid == a[0].alertID && v2.finding_info.uid == a[0].alertID)
        #expect(v1.metadata.uid != v2.metadata.uid)
        #expect(v1.metadata.correlation_uid == "s-ocsf")
        #expect(v1.metadata.version.hasPrefix("1."))
        #expect(v1.severity_id == 3 && v2.severity_id == 4 && v2.severity == "High")
        #expect(v2.time == a[2].lastSeen.micros / 1000)
        #expect(v2.start_time == a[2].firstSeen.micros / 1000)
        #expect(v2.count == 3)
        #expect(v2.finding_info.related_events.map(\.uid) == a[2].eventIDs)
    }

    @Test func attacksAndTypes() throws {
        let f = OCSFMapper().map(alerts()[0])
        let techniques = f.finding_info.attacks.map(\.technique.uid)
        #expect(techniques.contains("AML.T0054"))
        #expect(techniques.contains("AML.T0068"), "the encoding subtype adds LLM Prompt Obfuscation")
        let direct = try #require(f.finding_info.attacks.first { $0.sub_technique?.uid == "AML.T0051.000" })
        #expect(direct.technique.uid == "AML.T0051" && direct.technique.name == "LLM Prompt Injection")
        #expect(direct.tactic?.uid == "AML.TA0005")
        let jb = try #require(f.finding_info.attacks.first { $0.technique.uid == "AML.T0054" })
        #expect(jb.tactics?.map(\.uid) == ["AML.TA0012", "AML.TA0007"])
        #expect(f.finding_info.attacks.allSatisfy { $0.version.hasPrefix("ATLAS ") })
        #expect(f.finding_info.types.contains("OWASP-LLM01:2025"))
        #expect(f.finding_info.types.contains("parapet:jailbreak.direct/encoding"))
    }

    @Test func encodedShape() throws {
        let o = try json(OCSFMapper().map(alerts()[0]))
        for k in ["activity_id", "category_uid", "class_uid", "type_uid", "severity_id", "time", "metadata", "finding_info"] {
            #expect(o[k] != nil, "missing \(k)")
        }
        #expect(o["time"] is Int || o["time"] is Int64 || (o["time"] as? NSNumber) != nil)
        let meta = try #require(o["metadata"] as? [String: Any])
        let product = try #require(meta["product"] as? [String: Any])
        #expect(product["name"] as? String == "Parapet")
        let ev = try #require(o["evidences"] as? [[String: Any]])
        let data = try #require(ev.first?["data"] as? [String: Any])
        #expect(data["event_id"] as? String == "s-ocsf#0")
        let obs = try #require(o["observables"] as? [[String: Any]])
        #expect(obs.contains { $0["type_id"] as? Int == 2 && $0["value"] as? String == "203.0.113.7" })
        #expect(o["tags"] == nil)
    }

    @Test func severityMapping() {
        #expect(Severity.allCases.map(OCSFMapper.severityID) == [1, 2, 3, 4])
    }
}
