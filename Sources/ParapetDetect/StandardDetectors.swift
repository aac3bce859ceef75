import Foundation
import ParapetCore

/// The shipped message-level detectors, in the order they must run (classifier scores first, rules add to them,
/// many-shot reads both).
public enum StandardDetectors {
    public struct Options: Sendable {
        /// Model file; nil = the shipped `Resources/models/message-model.bin` (env `PARAPET_MODEL` overrides).
        public var modelPath: String?
        /// Extra rule packs (YAML files) loaded after the shipped ones (env `PARAPET_RULE_PACKS`, ':'-separated).
        public var rulePackPaths: [String] = []
        /// Load the shipped rule packs.
        public var shippedRules = true
        /// URL blocklist file, one domain a line (env `PARAPET_URL_BLOCKLIST`).
        public var urlBlocklistPath: String?
        /// Refusal phrases and scoring (a YAML file in the format of the shipped `Resources/responses/refusals.yaml`,
        /// which it replaces; env `PARAPET_REFUSALS`).
        public var refusalPhrasesPath: String?
        /// Refusal phrases already loaded (`engine.refusals_file` of the configuration); when set, wins over
        /// `refusalPhrasesPath`.
        public var refusalPhrases: RefusalPhrases?

        public init() {}

        /// Options with the environment overrides applied.
        public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Options {
            var o = Options()
            if let m = env["PARAPET_MODEL"], !m.isEmpty { o.modelPath = m }
            if let r = env["PARAPET_RULE_PACKS"], !r.isEmpty { o.rulePackPaths = r.split(separator: ":").map(String.init) }
            if let u = env["PARAPET_URL_BLOCKLIST"], !u.isEmpty { o.urlBlocklistPath = u }
            if let r = env["PARAPET_REFUSALS"], !r.isEmpty { o.refusalPhrasesPath = r }
            return o
        }
    }

    public static func make(_ o: Options = .fromEnvironment()) throws -> [any MessageDetector] {
        var packs = o.shippedRules ? try RulePack.shipped() : []
        for p in o.rulePackPaths { packs.append(try RulePack.load(path: p)) }
        let model = try o.modelPath.map { try HashedLinearModel.load(path: $0) } ?? HashedLinearModel.shipped()
        let blocklist = try o.urlBlocklistPath.map { try URLDetector.loadBlocklist(path: $0) } ?? []
        let refusals = try o.refusalPhrases ?? o.refusalPhrasesPath.map { try RefusalPhrases.load(file: $0) }
            ?? RefusalPhrases.bundled()
        return [
            ClassifierDetector(model: model),
            try RuleDetector(packs: packs),
            HiddenUnicodeDetector(),
            RefusalDetector(phrases: refusals),
            SecretsDetector(),
            URLDetector(blocklist: blocklist),
            ManyShotDetector(),
            AdversarialSuffixDetector(),
        ]
    }
}
