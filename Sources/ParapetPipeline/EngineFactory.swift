import ParapetAlerts
import ParapetCore
import ParapetDetect
import ParapetSession

/// Builds the engine with the shipped detectors, rule packs and models.
public enum EngineFactory {
    public static func makeEngine(_ configuration: EngineConfiguration = .init()) throws -> DetectionEngine {
        // Classifier, rule packs, hidden Unicode, refusals, secrets, URLs, many-shot (see StandardDetectors;
        // PARAPET_MODEL / PARAPET_RULE_PACKS / PARAPET_URL_BLOCKLIST override the shipped model, add packs, set a blocklist).
        let detectors: [any MessageDetector] = try StandardDetectors.make()
        let analyzer = MessageAnalyzer(detectors: detectors, policy: configuration.policy)
        let conversations = SessionAnalyzer.standard(
            limits: configuration.limits,
            settings: try configuration.conversationSettings ?? ConversationSettings.bundled(),
            scorer: MessageTextScorer(analyzer: analyzer))
        return DetectionEngine(configuration: configuration, messages: analyzer, conversations: conversations)
    }
}
