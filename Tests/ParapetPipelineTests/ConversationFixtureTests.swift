import Foundation
import ParapetCore
import ParapetPipeline
import Testing

/// The whole engine (shipped rules, models and conversation detectors) on small hand-written conversations.
@Suite("Conversation fixtures through the engine")
struct ConversationFixtureTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func events(_ dir: String) throws -> [String: [ChatEvent]] {
        let folder = fixtures.appendingPathComponent(dir)
        var out: [String: [ChatEvent]] = [:]
        for f in try FileManager.default.contentsOfDirectory(atPath: folder.path) where f.hasSuffix(".jsonl") {
            let text = try String(contentsOf: folder.appendingPathComponent(f), encoding: .utf8)
            out[f] = try text.split(separator: "\n").map { try JSONDecoder().decode(ChatEvent.self, from: Data($0.utf8)) }
        }
        return out
    }

    static func alerts(_ events: [ChatEvent]) throws -> [Alert] {
        var engine = try EngineFactory.makeEngine()
        return events.flatMap { engine.process($0).alerts }
    }

    @Test("legitimate conversations that look like escalation raise no alert of low or above")
    func hardNegatives() throws {
        let all = try Self.events("hard-negatives")
        #expect(all.count >= 6)
        for (name, events) in all {
            let raised = try Self.alerts(events).filter { $0.severity >= .low }
            #expect(raised.isEmpty, "\(name): \(raised.map { "\($0.type.rawValue)@\($0.eventIDs.last ?? "")" })")
        }
    }

    @Test("escalating conversations are flagged by the time of the escalating turn")
    func escalations() throws {
        let all = try Self.events("escalations")
        #expect(all.count >= 3)
        for (name, events) in all {
            let raised = try Self.alerts(events).filter { $0.severity >= .medium }
            #expect(!raised.isEmpty, "\(name): no alert")
        }
    }
}
