import Foundation
import ParapetCore
import ParapetDetect
import ParapetPipeline
import Testing

/// `engine.refusals_file`: a deployment's own refusal phrases reach the engine, and a broken file stops the
/// configuration naming the key, the file and the value.
@Suite struct RefusalsConfigTests {
    /// A complete file with one strong and one weak phrase (`Tests/Fixtures/refusals/one-strong-phrase.yaml`).
    static var oneStrongPhrase: String {
        get throws {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/refusals/one-strong-phrase.yaml")
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    static func temporaryFile(_ text: String, _ ext: String = "yaml") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parapet-refusals-\(UUID().uuidString).\(ext)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func refusalScore(_ engine: DetectionEngine, _ text: String) -> Double {
        let e = ChatEvent(eventID: "e1", sessionID: "s1", time: EventTime(micros: 0), role: .assistant, content: text)
        return engine.messages.analyze(e).scores.refusal
    }

    @Test func theConfiguredFileReplacesTheShippedPhrases() throws {
        let phrases = try Self.temporaryFile(Self.oneStrongPhrase)
        let config = try Self.temporaryFile("engine:\n  refusals_file: \(phrases)\n")
        defer { for p in [phrases, config] { try? FileManager.default.removeItem(atPath: p) } }
        let configuration = try ParapetConfig.engineConfiguration(file: config, environment: [:])
        #expect(configuration.refusalPhrases?.strong == ["we do not do that here"])
        let engine = try EngineFactory.makeEngine(configuration)
        #expect(Self.refusalScore(engine, "We do not do that here.") == 0.95)
        #expect(Self.refusalScore(engine, "I must decline this request.") == 0)
        // Without the key: the shipped phrases.
        let shipped = try EngineFactory.makeEngine(try ParapetConfig.engineConfiguration(file: nil, environment: [:]))
        #expect(Self.refusalScore(shipped, "I must decline this request.") == 0.95)
        // The key from the environment, like every other key.
        let fromEnv = try ParapetConfig.engineConfiguration(file: nil, environment: ["PARAPET_ENGINE_REFUSALS_FILE": phrases])
        #expect(fromEnv.refusalPhrases?.strong == ["we do not do that here"])
    }

    @Test func aBrokenFileIsAConfigurationError() throws {
        let phrases = try Self.temporaryFile(Self.oneStrongPhrase.replacingOccurrences(of: "lead: 0.95", with: "lead: 1.5"))
        let config = try Self.temporaryFile("engine:\n  refusals_file: \(phrases)\n")
        defer { for p in [phrases, config] { try? FileManager.default.removeItem(atPath: p) } }
        #expect {
            try ParapetConfig.engineConfiguration(file: config, environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains("engine.refusals_file") && text.contains(phrases) && text.contains("scoring.strong.lead")
                && text.contains("1.5") && text.contains(config)
        }
    }

    @Test func parapetRefusalsIsADetectionVariableNotAnUnknownKey() throws {
        var c = ConfigLayers.defaults()
        try c.addEnvironment(["PARAPET_REFUSALS": "/etc/parapet/refusals.yaml"])
        #expect(c.string("engine.refusals_file") == nil)
        #expect(ConfigLayers.known.contains { $0.key == "engine.refusals_file" })
    }
}
