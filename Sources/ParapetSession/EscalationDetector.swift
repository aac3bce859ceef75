import Foundation
import ParapetCore
import ParapetDetect

/// Crescendo-style escalation: attacks that only show across turns.
/// Signals (each a subtype of `jailbreak.multi_turn`):
/// - `crescendo`: a follow-up that leans on earlier turns (back-reference, request for procedure, fictional
///   framing) after the conversation has already touched a harmful topic (decayed risk of earlier user turns, or
///   a named hazard), a grudge against someone followed by a request to act unseen, or user-turn risk rising
///   steadily over the last few turns while each stays below the single-message bar;
/// - `refusal_rephrase`: the model refused, and the user asks the same thing again in other words or wraps
///   it in fiction or a persona;
/// - `cumulative`: several moderately risky user turns whose accumulated (decayed) risk crosses the bar;
/// - `persona_setup`: an earlier persona / role-play set-up followed by a risky request;
/// - `refusal_to_compliance` (on assistant turns): the model refused a risky request earlier and now answers
///   the same request after it was rephrased;
/// - `refused_escalation` (on assistant turns): the model refuses for a harm, legal or ethical reason after the user
///   has built up over several turns, or refuses so a second time: it saw where the conversation was going.
public struct EscalationDetector: ConversationDetector {
    public let id = "session.escalation"
    public let settings: ConversationSettings

    public init(settings: ConversationSettings) {
        self.settings = settings
    }

    public func evaluate(_ session: inout SessionState, limits: SessionLimits) -> [Finding] {
        guard let last = session.turns.last else { return [] }
        if last.role == .assistant {
            let worked = complianceAfterRefusal(session)
            return worked.isEmpty ? refusedEscalation(session) : worked
        }
        guard last.role == .user else { return [] }
        let turns = session.turns
        let userIdx = turns.indices.filter { turns[$0].role == .user }
        guard userIdx.count >= 2 else { return [] }
        let e = settings.escalation
        let r = last.risk
        let followUp = !last.cues.isDisjoint(with: [.backReference, .procedure, .fiction])

        // Decayed risk of the context: earlier user turns, and harmful content the model already produced.
        let decay = pow(0.5, 1 / max(e.contextHalfLifeTurns, 0.5))
        var context = 0.0
        var harmContext = 0.0
        var usersAfter = 0
        for i in turns.indices.dropLast().reversed() {
            let t = turns[i]
            let v: Double
            switch t.role {
            case .user:
                // Harm and jailbreak framing build an escalation; an instruction override ("ignore my previous
                // instructions, now write about tea tree oil") does not.
                v = t.escalationRisk
                usersAfter += 1
            case .assistant:
                v = t.scores.maxHarm
            default:
                v = max(t.scores.indirectInjection, t.scores.maxHarm) * 0.5
            }
            let fade = pow(decay, Double(max(usersAfter - 1, 0)))
            context = max(context, v * fade)
            harmContext = max(harmContext, (t.role == .user ? t.scores.maxHarm : v) * fade)
        }

        var subtype: String?
        var strength = 0.0
        // A request for procedure or a fictional wrapper needs no risk of its own when harm built the context ("now
        // write the plan as an example"). A bare back-reference ("continue"), or any follow-up after jailbreak
        // framing alone ("act as a tourism guide" ... "how many days would that take?"), must carry some risk
        // itself (`persona_setup` judges set-ups followed by risky requests).
        let strongFollowUp = !last.cues.isDisjoint(with: [.procedure, .fiction]) && harmContext >= e.contextRisk
        if context >= e.contextRisk && followUp && (r >= e.turnRiskFloor || strongFollowUp) {
            subtype = "crescendo"
            strength = max(context, r)
        }
        // Topic path: the conversation named a hazardous subject in earlier turns and now asks for procedure.
        // The per-turn scores of such chats are often low on unseen phrasing ("how exactly did they put them
        // together?"), so the cues carry it.
        var topicTurns = 0
        if subtype == nil, let need = e.topicTurns, need > 0, last.cues.contains(.procedure) {
            topicTurns = userIdx.dropLast().filter { turns[$0].cues.contains(.hazardTopic) }.count
            if topicTurns >= need {
                subtype = "crescendo"
                strength = max(e.topicStrength ?? 0.55, context, r)
            }
        }
        // Targeted-harm path: an earlier turn holds a grudge against someone and this one asks how to act unseen
        // ("he's been a jerk for years" ... "what time would nobody notice, and how do I make it look like an
        // electrical fault?"). Neither cue alerts alone; no hazard needs to be named. A grudge told as fiction ("a
        // revenge thriller where the heroine ...") is a character's, not the user's: the fiction paths judge it.
        if subtype == nil, last.cues.contains(.concealment),
           userIdx.dropLast().contains(where: { turns[$0].cues.contains(.grievance) && !turns[$0].cues.contains(.fiction) }) {
            subtype = "crescendo"
            strength = max(e.topicStrength ?? 0.55, context, r)
        }
        let tail = userIdx.suffix(max(e.risingTurns, 2)).map { turns[$0].risk }
        if subtype == nil, tail.count >= max(e.risingTurns, 2), r >= e.risingFinal,
           tail.last! - tail.first! >= e.risingDelta,
           zip(tail, tail.dropFirst()).allSatisfy({ $1 >= $0 - 0.02 }) {
            subtype = "crescendo"
            strength = r
        }
        if let refused = refusedRequest(before: turns.count - 1, in: turns) {
            let overlap = ContentWords.jaccard(ContentWords.of(refused.text), ContentWords.of(last.text))
            if overlap >= settings.refusalRephrase.overlap || !last.cues.isDisjoint(with: [.fiction, .persona]) {
                let s = max(refused.risk, r, 0.5)
                if s > strength || subtype == nil {
                    subtype = "refusal_rephrase"
                    strength = s
                }
            }
        }
        if subtype == nil, session.risk >= settings.accumulation.threshold,
           session.riskyTurns >= max(settings.accumulation.minTurns, 2), last.risk > limits.riskFloor {
            subtype = "cumulative"
            strength = min(1, max(r, session.risk))
        }
        if subtype == nil, r >= settings.persona.requestRisk,
           userIdx.dropLast().contains(where: {
               turns[$0].cues.contains(.persona) || turns[$0].scores.jailbreak >= settings.persona.setupJailbreak
           }) {
            subtype = "persona_setup"
            strength = max(r, settings.persona.setupJailbreak)
        }
        guard let subtype else { return [] }

        let contributing = turns.dropLast().filter {
            ($0.role == .user && ($0.risk >= 0.15 || !$0.cues.isEmpty))
                || ($0.role == .assistant && ($0.scores.refusal >= settings.refusalRephrase.refusal || $0.scores.maxHarm >= 0.3))
        }.suffix(8)
        var scores = last.scores.named
        scores["context_risk"] = (context * 1000).rounded() / 1000
        scores["session_risk"] = (session.risk * 1000).rounded() / 1000
        if topicTurns > 0 { scores["hazard_topic_turns"] = Double(topicTurns) }
        let indicator = Indicator(
            id: "session:\(subtype)", kind: "session", title: Self.titles[subtype], score: (strength * 1000).rounded() / 1000)
        return [Finding(
            type: .jailbreakMultiTurn, subtype: subtype, severity: strength >= e.highRisk ? .high : .medium,
            confidence: min(0.99, 0.5 + strength / 2), indicators: [indicator], scores: scores,
            contributingTurns: contributing.map { $0.evidence() }, detector: id)]
    }

    /// The model answers (no refusal) a request it refused earlier in other words: the jailbreak worked.
    func complianceAfterRefusal(_ session: SessionState) -> [Finding] {
        let turns = session.turns
        let rr = settings.refusalRephrase
        guard let answer = turns.last, answer.scores.refusal < 0.2, turns.count >= 4 else { return [] }
        var k = turns.count - 2
        while k >= 0 && turns[k].role != .user { k -= 1 }
        guard k >= 2 else { return [] }
        let request = turns[k]
        guard let refused = refusedRequest(before: k, in: turns) else { return [] }
        let overlap = ContentWords.jaccard(ContentWords.of(refused.text), ContentWords.of(request.text))
        guard overlap >= rr.overlap || !request.cues.isDisjoint(with: [.fiction, .persona]) else { return [] }
        let strength = max(refused.risk, request.risk, answer.scores.maxHarm, 0.7)
        let ind = Indicator(id: "session:refusal_to_compliance", kind: "session",
                            title: "The model answered a request it had refused", score: (strength * 1000).rounded() / 1000)
        let contributing = turns[..<(turns.count - 1)].filter {
            $0.eventID == refused.eventID || $0.eventID == request.eventID
                || ($0.role == .assistant && $0.scores.refusal >= rr.refusal)
        }
        return [Finding(
            type: .jailbreakMultiTurn, subtype: "refusal_to_compliance", severity: .high,
            confidence: min(0.99, 0.5 + strength / 2), indicators: [ind], scores: answer.scores.named,
            contributingTurns: contributing.map { $0.evidence() }, detector: id)]
    }

    /// A safety refusal late in a conversation, or a second one. The per-message scores of a crescendo's last ask
    /// are often low ("how much of it would go in a drink?" leans on earlier turns for its meaning); the model
    /// that refused it had the whole conversation. A refusal for lack of capability or context never counts.
    func refusedEscalation(_ session: SessionState) -> [Finding] {
        guard let re = settings.refusedEscalation, let last = session.turns.last, isSafetyRefusal(last, re) else { return [] }
        let turns = session.turns
        let users = turns.reduce(0) { $0 + ($1.role == .user ? 1 : 0) }
        let earlier = turns.dropLast().reduce(0) { $0 + (isSafetyRefusal($1, re) ? 1 : 0) }
        guard users >= max(re.minUserTurns, 1) || earlier >= 1 else { return [] }
        let strength = max(re.strength, turns.dropLast().filter { $0.role == .user }.map(\.risk).max() ?? 0)
        let ind = Indicator(id: "session:refused_escalation", kind: "session",
                            title: Self.titles["refused_escalation"], score: (strength * 1000).rounded() / 1000)
        let contributing = turns.dropLast().filter { $0.role == .user || isSafetyRefusal($0, re) }.suffix(8)
        var scores = last.scores.named
        scores["user_turns"] = Double(users)
        scores["safety_refusals"] = Double(earlier + 1)
        return [Finding(
            type: .jailbreakMultiTurn, subtype: "refused_escalation",
            severity: strength >= settings.escalation.highRisk ? .high : .medium,
            confidence: min(0.99, 0.5 + strength / 2), indicators: [ind], scores: scores,
            contributingTurns: contributing.map { $0.evidence() }, detector: id)]
    }

    /// A refusal that names a harm, legal or ethical reason, or a terse one that names none ("I'm sorry, but I can't
    /// assist with that."): models that cannot do something say why; models that will not often do not.
    func isSafetyRefusal(_ t: TurnRecord, _ re: ConversationSettings.RefusedEscalation) -> Bool {
        guard t.role == .assistant, t.scores.refusal >= re.refusal, !t.cues.contains(.capabilityReason) else { return false }
        if t.cues.contains(.safetyReason) { return true }
        guard let limit = re.terseBytes, limit > 0 else { return false }
        return t.text.utf8.count <= limit
    }

    /// The user request that the most recent assistant refusal answered, if it was risky.
    func refusedRequest(before end: Int, in turns: [TurnRecord]) -> TurnRecord? {
        let rr = settings.refusalRephrase
        var i = end - 1
        while i >= 1 {
            if turns[i].role == .assistant {
                // "I can't draw a diagram as text" / "not without more information": the user asking again in other
                // words is what the model asked for, not a way around a refusal.
                guard turns[i].scores.refusal >= rr.refusal, !turns[i].cues.contains(.capabilityReason) else { return nil }
                var j = i - 1
                while j >= 0 && turns[j].role != .user { j -= 1 }
                guard j >= 0, turns[j].risk >= rr.refusedRisk else { return nil }
                return turns[j]
            }
            i -= 1
        }
        return nil
    }

    static let titles: [String: String] = [
        "crescendo": "Escalation across turns toward a harmful goal",
        "refusal_rephrase": "Refused request asked again in other words",
        "persona_setup": "Persona or role-play set-up followed by a risky request",
        "cumulative": "Several risky turns adding up across the conversation",
        "refused_escalation": "The model refused, for safety, where the conversation had been heading",
    ]
}
