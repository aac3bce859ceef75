/// The per-event annotation (`Schemas/verdict.schema.json`), like a content filter's annotations.
public struct Verdict: Codable, Sendable, Hashable {
    public struct HarmScore: Codable, Sendable, Hashable {
        public var level: HarmLevel
        public var score: Double
        public init(level: HarmLevel, score: Double) {
            self.level = level
            self.score = score
        }
    }

    public struct Harm: Codable, Sendable, Hashable {
        public var hate: HarmScore
        public var sexual: HarmScore
        public var violence: HarmScore
        public var selfHarm: HarmScore
        public var illicit: HarmScore

        public init(hate: HarmScore, sexual: HarmScore, violence: HarmScore, selfHarm: HarmScore, illicit: HarmScore) {
            self.hate = hate
            self.sexual = sexual
            self.violence = violence
            self.selfHarm = selfHarm
            self.illicit = illicit
        }

        public subscript(_ c: HarmCategory) -> HarmScore {
            switch c {
            case .hate: hate
            case .sexual: sexual
            case .violence: violence
            case .selfHarm: selfHarm
            case .illicit: illicit
            }
        }

        enum CodingKeys: String, CodingKey {
            case hate, sexual, violence, illicit
            case selfHarm = "self_harm"
        }
    }

    public struct Attack: Codable, Sendable, Hashable {
        public var jailbreak: Double
        public var promptInjection: Double
        public var indirectInjection: Double

        public init(jailbreak: Double, promptInjection: Double, indirectInjection: Double) {
            self.jailbreak = jailbreak
            self.promptInjection = promptInjection
            self.indirectInjection = indirectInjection
        }

        enum CodingKeys: String, CodingKey {
            case jailbreak
            case promptInjection = "prompt_injection"
            case indirectInjection = "indirect_injection"
        }
    }

    public var eventID: String
    public var sessionID: String
    public var time: EventTime
    public var role: Role
    public var harm: Harm
    public var attack: Attack
    /// The conversation's running risk (0-1) after this event.
    public var sessionRisk: Double
    public var indicators: [Indicator]
    /// Alert types raised (or updated) at this event.
    public var alerts: [AlertType]
    /// Other per-message signals the conversation detectors use: `refusal`, `reconnaissance`, `many_shot` (0-1).
    public var signals: [String: Double]?

    public init(eventID: String, sessionID: String, time: EventTime, role: Role, harm: Harm, attack: Attack,
                sessionRisk: Double, indicators: [Indicator], alerts: [AlertType]) {
        self.eventID = eventID
        self.sessionID = sessionID
        self.time = time
        self.role = role
        self.harm = harm
        self.attack = attack
        self.sessionRisk = sessionRisk
        self.indicators = indicators
        self.alerts = alerts
    }

    enum CodingKeys: String, CodingKey {
        case eventID = "event_id", sessionID = "session_id", time, role, harm, attack
        case sessionRisk = "session_risk", indicators, alerts, signals
    }
}
