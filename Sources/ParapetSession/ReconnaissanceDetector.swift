import ParapetCore
import ParapetDetect

/// Repeated probing of the model's instructions, tools and limits within one conversation: often the
/// prelude to an injection or jailbreak.
public struct ReconnaissanceDetector: ConversationDetector {
    public let id = "session.reconnaissance"
    public let settings: ConversationSettings.Reconnaissance

    public init(settings: ConversationSettings.Reconnaissance) {
        self.settings = settings
    }

    public func evaluate(_ session: inout SessionState, limits: SessionLimits) -> [Finding] {
        guard let last = session.turns.last, last.role == .user, isProbe(last) else { return [] }
        let probes = session.turns.filter { $0.role == .user && isProbe($0) }
        guard probes.count >= max(settings.minTurns, 1) else { return [] }
        let ind = Indicator(id: "session:reconnaissance", kind: "session",
                            title: "Repeated probing of instructions, tools or limits", score: Double(probes.count))
        return [Finding(
            type: .reconnaissance, subtype: "repeated_probing", severity: .low,
            confidence: min(0.9, 0.4 + 0.15 * Double(probes.count)), indicators: [ind],
            scores: ["probing_turns": Double(probes.count)],
            contributingTurns: probes.dropLast().suffix(6).map { $0.evidence() }, detector: id)]
    }

    func isProbe(_ t: TurnRecord) -> Bool {
        t.cues.contains(.reconnaissance) || t.scores.reconnaissance >= settings.score
    }
}
