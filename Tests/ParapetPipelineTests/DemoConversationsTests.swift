import Foundation
import ParapetCore
import ParapetPipeline
import Testing

/// `parapet demo` (the README's first command) replays `KafkaSamples.demoConversations` through the Kafka mock; the
/// same conversations through the engine here: each sample raises the alert it is there to show, the ordinary one
/// none.
@Suite struct DemoConversationsTests {
    @Test func eachSampleRaisesItsAlertAndTheOrdinaryChatNone() throws {
        var engine = try EngineFactory.makeEngine()
        var types: [String: Set<String>] = [:]
        for event in KafkaSamples.demoConversations() {
            for alert in engine.process(event).alerts where alert.severity >= .low {
                types[alert.sessionID, default: []].insert(alert.type.rawValue + (alert.subtype.map { "/" + $0 } ?? ""))
            }
        }
        #expect(types["s-ordinary"] == nil)
        #expect(types["s-jailbreak"]?.contains { $0.hasPrefix("jailbreak.direct") } == true)
        #expect(types["s-indirect"]?.contains { $0.hasPrefix("prompt_injection.indirect") } == true)
        #expect(types["s-smuggling"]?.contains { $0.hasPrefix("ascii_smuggling") } == true)
        // The escalation is read across turns: the model's safety refusal after the build-up.
        #expect(types["s-crescendo"]?.contains("jailbreak.multi_turn/refused_escalation") == true)
    }
}
