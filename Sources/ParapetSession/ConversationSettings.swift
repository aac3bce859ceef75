import Foundation
import ParapetDetect

/// Thresholds and cue phrases of the conversation detectors (`Resources/conversation.yaml`).
public struct ConversationSettings: Sendable, Codable, Hashable {
    public struct Escalation: Sendable, Codable, Hashable {
        public var contextHalfLifeTurns: Double
        public var contextRisk: Double
        public var turnRiskFloor: Double
        public var risingTurns: Int
        public var risingDelta: Double
        public var risingFinal: Double
        public var highRisk: Double
        /// Topic path: a request for procedure after at least this many earlier user turns named a hazardous
        /// subject (`cues.hazard_topic`) is an escalation whatever the message scores; nil or 0 turns it off.
        public var topicTurns: Int?
        /// Strength (score) of a topic-path finding when the turns' own scores are lower.
        public var topicStrength: Double?

        enum CodingKeys: String, CodingKey {
            case contextHalfLifeTurns = "context_half_life_turns", contextRisk = "context_risk"
            case turnRiskFloor = "turn_risk_floor", risingTurns = "rising_turns", risingDelta = "rising_delta"
            case risingFinal = "rising_final", highRisk = "high_risk", topicTurns = "topic_turns"
            case topicStrength = "topic_strength"
        }
    }

    public struct Accumulation: Sendable, Codable, Hashable {
        public var threshold: Double
        public var minTurns: Int

        enum CodingKeys: String, CodingKey {
            case threshold, minTurns = "min_turns"
        }
    }

    public struct PayloadSplit: Sendable, Codable, Hashable {
        public var windowUserTurns: Int
        public var maxBytes: Int
        public var threshold: Double
        public var partMax: Double

        enum CodingKeys: String, CodingKey {
            case windowUserTurns = "window_user_turns", maxBytes = "max_bytes", threshold, partMax = "part_max"
        }
    }

    public struct RefusalRephrase: Sendable, Codable, Hashable {
        public var refusal: Double
        public var refusedRisk: Double
        public var overlap: Double

        enum CodingKeys: String, CodingKey {
            case refusal, refusedRisk = "refused_risk", overlap
        }
    }

    public struct Persona: Sendable, Codable, Hashable {
        public var setupJailbreak: Double
        public var requestRisk: Double

        enum CodingKeys: String, CodingKey {
            case setupJailbreak = "setup_jailbreak", requestRisk = "request_risk"
        }
    }

    /// A safety refusal (the model declines for a harm, legal or ethical reason, read from the opening of its answer)
    /// after the user has built up over several turns, or a second such refusal in one conversation: the model saw
    /// where the conversation was going when the per-message scores did not.
    public struct RefusedEscalation: Sendable, Codable, Hashable {
        /// Refusal score (MessageScores.refusal) from which an assistant turn is read for its reason.
        public var refusal: Double
        /// User turns in the window, up to the refusal, for a first safety refusal to count.
        public var minUserTurns: Int
        /// Bytes of the refusal's opening in which the reason is looked for.
        public var leadBytes: Int
        /// Score (strength) of the finding; medium severity below `escalation.high_risk`.
        public var strength: Double
        /// A refusal this short (bytes) that gives no capability reason counts as a safety refusal without naming a
        /// reason ("I'm sorry, but I can't assist with that."); nil or 0: only refusals that name a reason count.
        public var terseBytes: Int?

        enum CodingKeys: String, CodingKey {
            case refusal, minUserTurns = "min_user_turns", leadBytes = "lead_bytes", strength, terseBytes = "terse_bytes"
        }

        /// The first value out of range, if any (a deployment's own file is read at start-up, not trusted).
        var problem: (key: String, why: String)? {
            if !(0...1).contains(refusal) { return ("refusal", "must be between 0 and 1, got \(refusal)") }
            if minUserTurns < 1 { return ("min_user_turns", "must be at least 1, got \(minUserTurns)") }
            if leadBytes < 1 { return ("lead_bytes", "must be at least 1, got \(leadBytes)") }
            if !(0...1).contains(strength) { return ("strength", "must be between 0 and 1, got \(strength)") }
            if let t = terseBytes, t < 0 { return ("terse_bytes", "must be 0 (off) or more, got \(t)") }
            return nil
        }
    }

    public struct Reconnaissance: Sendable, Codable, Hashable {
        public var minTurns: Int
        public var score: Double

        enum CodingKeys: String, CodingKey {
            case minTurns = "min_turns", score
        }
    }

    public struct Cues: Sendable, Codable, Hashable {
        public var backReference: [String]
        public var procedure: [String]
        public var fiction: [String]
        public var persona: [String]
        public var reconnaissance: [String]
        /// Optional (older files have none): hazardous subjects for the topic path of the escalation detector.
        public var hazardTopic: [String]?
        /// Optional: phrases of a system prompt that guards a secret, and of a user turn that asks for it (the
        /// secret-probe detector).
        public var guardedSecret: [String]?
        public var secretReference: [String]?
        /// Optional: a grudge against a person in an earlier turn, then concealment of an act in a later one (the
        /// targeted-harm path of the escalation detector).
        public var grievance: [String]?
        public var concealment: [String]?
        /// Optional: the reason given at the start of a refusal, a harm, legal or ethical one ("that would be
        /// illegal", "could hurt someone") or a capability one ("my knowledge cutoff", "more context"), which
        /// cancels it (the refused-escalation path).
        public var safetyRefusal: [String]?
        public var capabilityRefusal: [String]?

        enum CodingKeys: String, CodingKey {
            case backReference = "back_reference", procedure, fiction, persona, reconnaissance, hazardTopic = "hazard_topic"
            case guardedSecret = "guarded_secret", secretReference = "secret_reference", grievance, concealment
            case safetyRefusal = "safety_refusal", capabilityRefusal = "capability_refusal"
        }
    }

    public var version: Int
    public var escalation: Escalation
    public var accumulation: Accumulation
    public var payloadSplit: PayloadSplit
    public var refusalRephrase: RefusalRephrase
    public var persona: Persona
    public var reconnaissance: Reconnaissance
    /// Optional (older files have none: the path is off).
    public var refusedEscalation: RefusedEscalation?
    public var cues: Cues

    enum CodingKeys: String, CodingKey {
        case version, escalation, accumulation, payloadSplit = "payload_split", refusalRephrase = "refusal_rephrase", persona
        case reconnaissance, refusedEscalation = "refused_escalation", cues
    }

    public enum LoadError: Error, CustomStringConvertible {
        case missingResource
        case invalid(String, String)
        public var description: String {
            switch self {
            case .missingResource: "the bundled conversation.yaml is missing"
            case .invalid(let file, let why): "\(file): \(why)"
            }
        }
    }

    public static func load(yaml: String, name: String) throws -> ConversationSettings {
        let settings: ConversationSettings
        do {
            settings = try DataFileDecoding.decode(ConversationSettings.self, yaml: yaml) { path in
                guard !path.isEmpty else { return "the top level must be a map (see the shipped conversation.yaml)" }
                return path.last?.intValue != nil ? "wrong type (expected a phrase)" : "wrong type"
            }
        } catch {
            throw LoadError.invalid(name, error.text)
        }
        if let problem = settings.refusedEscalation?.problem {
            throw LoadError.invalid(name, "key 'refused_escalation.\(problem.key)': \(problem.why)")
        }
        return settings
    }

    public static func load(file path: String) throws -> ConversationSettings {
        let text: String
        do { text = try DataFileDecoding.read(file: path) } catch {
            throw LoadError.invalid(path, error.text)
        }
        return try load(yaml: text, name: path)
    }

    /// The shipped defaults.
    public static func bundled() throws -> ConversationSettings {
        guard let url = Bundle.module.url(forResource: "conversation", withExtension: "yaml", subdirectory: "Resources")
            ?? Bundle.module.url(forResource: "conversation", withExtension: "yaml")
        else { throw LoadError.missingResource }
        return try load(yaml: try String(contentsOf: url, encoding: .utf8), name: "conversation.yaml")
    }
}
