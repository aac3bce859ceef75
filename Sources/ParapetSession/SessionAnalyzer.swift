import Foundation
import ParapetCore
import ParapetDetect

/// Appends each message to its session window, updates the decayed risk and runs the conversation detectors.
public struct SessionAnalyzer: Sendable {
    public var limits: SessionLimits
    public var detectors: [any ConversationDetector]
    public var cues: CueMatcher?
    /// When set, an assistant turn that refuses (score at or above `refusal`) has the reason at the start of its
    /// answer read as cues (`CueSet.refusalReasons`).
    public var refusalReasons: ConversationSettings.RefusedEscalation?

    public init(limits: SessionLimits = .init(), detectors: [any ConversationDetector], cues: CueMatcher? = nil,
                refusalReasons: ConversationSettings.RefusedEscalation? = nil) {
        self.limits = limits
        self.detectors = detectors
        self.cues = cues
        self.refusalReasons = refusalReasons
    }

    /// The standard conversation detectors with the shipped (or given) settings.
    public static func standard(limits: SessionLimits, settings: ConversationSettings, scorer: (any TextScoring)?) -> SessionAnalyzer {
        var detectors: [any ConversationDetector] = [
            EscalationDetector(settings: settings), ReconnaissanceDetector(settings: settings.reconnaissance),
            SecretProbeDetector(),
        ]
        if let scorer { detectors.append(PayloadSplitDetector(settings: settings.payloadSplit, scorer: scorer)) }
        return SessionAnalyzer(limits: limits, detectors: detectors, cues: CueMatcher(settings.cues),
                               refusalReasons: settings.refusedEscalation)
    }

    public func observe(_ turn: TurnRecord, in session: inout SessionState) -> [Finding] {
        var turn = turn
        if turn.role == .user || turn.role == .system, let cues { turn.cues = cues.cues(in: turn.text) }
        if turn.role == .assistant, let cues, let r = refusalReasons, turn.scores.refusal >= r.refusal {
            // The reason comes first ("I can't help with that: it would put people at risk"); deeper in a long
            // answer the same words are ordinary content.
            let opening = String(decoding: turn.text.utf8.prefix(r.leadBytes), as: UTF8.self)
            turn.cues = cues.cues(in: opening).intersection(.refusalReasons)
        }
        if turn.role == .system && turn.cues.contains(.guardedSecret) { session.guardsSecret = true }
        session.append(turn, limits: limits)
        if turn.role == .user || turn.role.isExternalContent {
            let decay = pow(2, -1 / max(limits.riskHalfLifeTurns, 0.5))
            let excess = max(0, Self.accumulatedRisk(of: turn) - limits.riskFloor)
            session.risk = session.risk * decay + excess
            if session.risk < 0.01 { session.riskyTurns = 0 }
            if excess > 0 { session.riskyTurns += 1 }
        }
        var findings: [Finding] = []
        for d in detectors { findings.append(contentsOf: d.evaluate(&session, limits: limits)) }
        return findings
    }

    /// What a turn adds to the session's accumulated risk. A user's own instruction override ("ignore what I said
    /// before, now write it in French") steers the conversation, it does not escalate it: as for the crescendo
    /// context, user turns add their harm and jailbreak evidence only (`TurnRecord.escalationRisk`: not the jailbreak
    /// classifier alone on a persona set-up). Documents and tool output add all of theirs.
    static func accumulatedRisk(of turn: TurnRecord) -> Double {
        turn.role == .user ? turn.escalationRisk : turn.risk
    }
}
