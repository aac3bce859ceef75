import Foundation
import Testing
@testable import ParapetSession

/// A deployment's conversation file: errors name the file and say what is wrong in plain words.
@Suite struct ConversationSettingsLoadTests {
    /// The shipped file's text, for tests that break one key of it.
    static func shippedYAML() throws -> String {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/ParapetSession/Resources/conversation.yaml")
        return try String(contentsOf: shipped, encoding: .utf8)
    }

    @Test func aMissingFileIsNamedPlainly() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parapet-no-such-\(UUID().uuidString).yaml").path
        #expect {
            try ConversationSettings.load(file: path)
        } throws: { error in
            let text = "\(error)"
            return text.contains(path) && text.contains("no such file") && !text.contains("NSCocoaErrorDomain")
        }
    }

    @Test func aMissingKeyIsNamedByItsPath() throws {
        let full = try Self.shippedYAML()
        let yaml = full.replacingOccurrences(of: "\n  context_risk: [0-9.]+\n", with: "\n", options: .regularExpression)
        #expect(yaml != full)
        #expect {
            try ConversationSettings.load(yaml: yaml, name: "mine.yaml")
        } throws: { error in
            "\(error)".contains("mine.yaml") && "\(error)".contains("context_risk")
        }
    }

    @Test func anOutOfRangeValueIsNamedByItsPath() throws {
        let full = try Self.shippedYAML()
        // A negative opening length would trap when the refusal's opening is cut; the loader refuses it.
        let yaml = full.replacingOccurrences(of: "\n  lead_bytes: [0-9]+\n", with: "\n  lead_bytes: -5\n", options: .regularExpression)
        #expect(yaml != full)
        #expect {
            try ConversationSettings.load(yaml: yaml, name: "mine.yaml")
        } throws: { error in
            "\(error)".contains("mine.yaml") && "\(error)".contains("refused_escalation.lead_bytes") && "\(error)".contains("-5")
        }
        // Without the block (an older file) the path is off and the file loads.
        let older = full.replacingOccurrences(of: "\nrefused_escalation:\n(  [^\n]*\n)+", with: "\n", options: .regularExpression)
        #expect(older != full)
        #expect(try ConversationSettings.load(yaml: older, name: "old.yaml").refusedEscalation == nil)
    }

    @Test func aWrongTypeInAListIsNamedByItsIndex() throws {
        let full = try Self.shippedYAML()
        // The third hazard-topic phrase becomes a map.
        let lines = full.components(separatedBy: "\n")
        let start = try #require(lines.firstIndex { $0.hasPrefix("  hazard_topic:") })
        let items = lines.indices.filter { $0 > start && lines[$0].hasPrefix("    - ") }
        var broken = lines
        broken[items[2]] = "    - {a: 1}"
        #expect {
            try ConversationSettings.load(yaml: broken.joined(separator: "\n"), name: "mine.yaml")
        } throws: { error in
            "\(error)" == "mine.yaml: key 'cues.hazard_topic[2]': wrong type (expected a phrase)"
        }
        #expect {
            try ConversationSettings.load(yaml: "escalation: [unclosed", name: "bad.yaml")
        } throws: { error in
            "\(error)".hasPrefix("bad.yaml: not valid YAML")
        }
    }

    @Test func theBundledFileLoads() throws {
        let s = try ConversationSettings.bundled()
        #expect(s.escalation.contextRisk > 0 && s.escalation.contextRisk < 1)
    }
}
