import Foundation
import ParapetCore
import ParapetDetect

/// Appends each message to its session window, updates the decayed risk and runs the conversation detectors.
public struct SessionAnalyzer: Sendable {
    public var limits: SessionLimits
    public var detectors: [any ConversationDetector]

    public init(limits: SessionLimits = .init(), detectors: [any ConversationDetector]) {
        self.limits = limits
        self.detectors = detectors
    }

    public func observe(_ turn: TurnRecord, in session: inout SessionState) -> [Finding] {
        session.append(turn, limits: limits)
        if turn.role == .user || turn.role.isExternalContent {
            let decay = pow(2, -1 / max(limits.riskHalfLifeTurns, 0.5))
            let turnRisk = max(turn.scores.maxAttack, turn.scores.maxHarm)
            session.risk = min(1, session.risk * decay + turnRisk * (1 - decay) * 2)
        }
        var findings: [Finding] = []
        for d in detectors { findings.append(contentsOf: d.evaluate(&session, limits: limits)) }
        return findings
    }
}
