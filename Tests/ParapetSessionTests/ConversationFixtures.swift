import ParapetCore
import ParapetDetect
@testable import ParapetSession

/// Builds small conversations with chosen scores, so each signal can be tested on its own.
struct ConversationBuilder {
    var analyzer: SessionAnalyzer
    var session = SessionState(sessionID: "s1", time: EventTime(micros: 0))
    var n = 0
    var findings: [[Finding]] = []

    init(detectors: (ConversationSettings) -> [any ConversationDetector] = { [EscalationDetector(settings: $0)] }) throws {
        let settings = try ConversationSettings.bundled()
        analyzer = SessionAnalyzer(limits: SessionLimits(), detectors: detectors(settings), cues: CueMatcher(settings.cues),
                                   refusalReasons: settings.refusedEscalation)
    }

    @discardableResult
    mutating func user(_ text: String, harm: Double = 0, jailbreak: Double = 0, recon: Double = 0) -> [Finding] {
        var s = MessageScores()
        s[.violence] = harm
        s.jailbreak = jailbreak
        s.reconnaissance = recon
        return add(.user, text, s)
    }

    @discardableResult
    mutating func assistant(_ text: String, refusal: Double = 0, harm: Double = 0) -> [Finding] {
        var s = MessageScores()
        s.refusal = refusal
        s[.violence] = harm
        return add(.assistant, text, s)
    }

    /// `jailbreakEvidence` as the engine records it (`DetectionThresholds.jailbreakEvidence`); nil = the score.
    mutating func add(_ role: Role, _ text: String, _ scores: MessageScores, jailbreakEvidence: Double? = nil) -> [Finding] {
        var t = TurnRecord(eventID: "e\(n)", role: role, time: EventTime(micros: Int64(n) * 20_000_000),
                           scores: scores, indicators: [], text: text.lowercased())
        t.jailbreakEvidence = jailbreakEvidence
        n += 1
        let f = analyzer.observe(t, in: &session)
        findings.append(f)
        return f
    }

    var subtypes: [String] { findings.flatMap { $0.compactMap(\.subtype) } }

    /// Findings of the second user turn of a two-turn conversation (opener, a neutral answer, follow-up).
    static func followUp(after opener: (String, Double), _ followUp: (String, Double)) throws -> [Finding] {
        var c = try ConversationBuilder()
        c.user(opener.0, harm: opener.1)
        c.assistant("...")
        return c.user(followUp.0, harm: followUp.1)
    }
}

/// A scorer that only recognises a goal when both of its halves are present.
struct SplitGoalScorer: TextScoring {
    func score(_ text: String) -> MessageScores {
        var s = MessageScores()
        let hits = ["alpha compound", "omega device"].filter { text.contains($0) }.count
        s[.violence] = hits == 2 ? 0.9 : (hits == 1 ? 0.2 : 0)
        return s
    }
}
