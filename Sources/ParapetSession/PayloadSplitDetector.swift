import ParapetCore
import ParapetDetect

/// Scores a text with the message-level models (the engine passes its `MessageAnalyzer`).
public protocol TextScoring: Sendable {
    func score(_ text: String) -> MessageScores
}

/// A harmful goal split over several harmless-looking turns: the concatenation of the last few user turns is
/// scored as one message, and alerts when it crosses the bar while every part alone stayed below it.
public struct PayloadSplitDetector: ConversationDetector {
    public let id = "session.payload_split"
    public let settings: ConversationSettings.PayloadSplit
    public let scorer: any TextScoring

    public init(settings: ConversationSettings.PayloadSplit, scorer: any TextScoring) {
        self.settings = settings
        self.scorer = scorer
    }

    public func evaluate(_ session: inout SessionState, limits: SessionLimits) -> [Finding] {
        guard let last = session.turns.last, last.role == .user else { return [] }
        let parts = Array(session.turns.filter { $0.role == .user }.suffix(max(settings.windowUserTurns, 2)))
        guard parts.count >= 2 else { return [] }
        // Only worth a second classification when no part is already over the bar on its own.
        guard parts.allSatisfy({ $0.risk < settings.partMax }) else { return [] }
        var joined = ""
        for p in parts.reversed() {
            if joined.utf8.count + p.text.utf8.count > settings.maxBytes { break }
            joined = p.text + "\n" + joined
        }
        let s = scorer.score(joined)
        let combined = max(s.maxHarm, s.jailbreak, s.promptInjection)
        guard combined >= settings.threshold else { return [] }
        var scores = s.named
        scores["combined_risk"] = (combined * 1000).rounded() / 1000
        let ind = Indicator(id: "session:payload_split", kind: "session",
                            title: "Harmful request split across turns", score: (combined * 1000).rounded() / 1000)
        return [Finding(
            type: .jailbreakMultiTurn, subtype: "payload_split", severity: combined >= 0.85 ? .high : .medium,
            confidence: combined, indicators: [ind], scores: scores,
            contributingTurns: parts.dropLast().map { $0.evidence() }, detector: id)]
    }
}
