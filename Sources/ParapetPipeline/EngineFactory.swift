import ParapetAlerts
import ParapetCore
import ParapetDetect
import ParapetSession

/// Builds the engine with the shipped detectors, rule packs and models.
public enum EngineFactory {
    public static func makeEngine(_ configuration: EngineConfiguration = .init()) throws -> DetectionEngine {
        // Classifier, rule packs, hidden Unicode, refusals, secrets, URLs, many-shot (see StandardDetectors;
        // PARAPET_MODEL / PARAPET_RULE_PACKS / PARAPET_URL_BLOCKLIST / PARAPET_REFUSALS override the shipped model, add
        // packs, set a blocklist, replace the refusal phrases). The configuration's refusals file wins over the variable.
        var options = StandardDetectors.Options.fromEnvironment()
        if let r = configuration.refusalPhrases { options.refusalPhrases = r }
        let detectors: [any MessageDetector] = try StandardDetectors.make(options)
        let analyzer = MessageAnalyzer(detectors: detectors, policy: configuration.policy)
        let conversations = SessionAnalyzer.standard(
            limits: configuration.limits,
            settings: try configuration.conversationSettings ?? ConversationSettings.bundled(),
            scorer: MessageTextScorer(analyzer: analyzer))
        return DetectionEngine(configuration: configuration, messages: analyzer, conversations: conversations)
    }
}
