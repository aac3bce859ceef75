import ParapetCore
import ParapetDetect
import ParapetSession

/// Lets conversation detectors score a text (e.g. several user turns joined) with the message-level models.
struct MessageTextScorer: TextScoring {
    let analyzer: MessageAnalyzer

    func score(_ text: String) -> MessageScores {
        let e = ChatEvent(eventID: "", sessionID: "", time: EventTime(micros: 0), role: .user, content: text)
        return analyzer.analyze(e).scores
    }
}
