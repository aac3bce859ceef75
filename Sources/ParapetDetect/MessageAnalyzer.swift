import ParapetCore

/// The message-level stage: normalise, run every detector, then turn scores into findings by policy.
public struct MessageAnalyzer: Sendable {
    public var normalizer: Normalizer
    public var detectors: [any MessageDetector]
    public var policy: DetectionPolicy

    public init(normalizer: Normalizer = .init(), detectors: [any MessageDetector], policy: DetectionPolicy = .init()) {
        self.normalizer = normalizer
        self.detectors = detectors
        self.policy = policy
    }

    public func analyze(_ event: ChatEvent) -> MessageAnalysis {
        var text = event.content
        if let args = event.tool?.arguments { text += "\n" + args.scanText }
        let input = DetectorInput(event: event, normalized: normalizer.normalize(text, userPrompt: event.role == .user))
        var analysis = MessageAnalysis()
        analysis.normalizedText = input.normalized.text
        for d in detectors { d.analyze(input, into: &analysis) }
        applyPolicy(event: event, analysis: &analysis)
        return analysis
    }

    /// Score-driven alerts. Rule-driven findings were already added by the detectors.
    /// A jailbreak or injection attempt is at least `medium`; a harmful request or response at least `low`.
    func applyPolicy(event: ChatEvent, analysis a: inout MessageAnalysis) {
        let t = policy.thresholds(for: event)
        let s = a.scores
        a.jailbreakEvidence = t.jailbreakEvidence(a)
        func severity(_ score: Double) -> Severity { score >= t.attackHigh ? .high : .medium }
        let evidence = a.indicators.filter { $0.kind != "refusal" }
        func has(_ type: AlertType) -> Bool { a.findings.contains { $0.type == type } }
        if event.role.isModelInput && event.role != .system {
            if event.role.isExternalContent {
                if s.indirectInjection >= t.indirectInjection && !has(.promptInjectionIndirect) {
                    a.findings.append(Finding(
                        type: .promptInjectionIndirect, subtype: event.source?.kind ?? event.role.rawValue,
                        severity: severity(s.indirectInjection), confidence: s.indirectInjection,
                        indicators: evidence, scores: s.named, detector: "message.indirect_injection"))
                }
            } else if event.role == .user {
                // The classifier alone, without a rule, an encoding or harm to carry, is not enough below
                // `jailbreakUncorroborated`: role-play set-ups for ordinary tasks share its vocabulary.
                if a.jailbreakEvidence >= t.jailbreak && !has(.jailbreakDirect) {
                    a.findings.append(Finding(
                        type: .jailbreakDirect, subtype: a.subtypes["jailbreak"], severity: severity(s.jailbreak),
                        confidence: s.jailbreak, indicators: evidence, scores: s.named, detector: "message.jailbreak"))
                } else if t.framedAsk < 1 && a.jailbreakFromRules >= t.framedAsk && max(s.maxHarm, s.hazardTopic) >= t.framedAsk && !has(.jailbreakDirect) {
                    // Framing and payload, each weak alone: the frame is there to carry the harmful ask past a filter.
                    let combined = 1 - (1 - s.jailbreak) * (1 - max(s.maxHarm, s.hazardTopic))
                    a.findings.append(Finding(
                        type: .jailbreakDirect, subtype: a.subtypes["jailbreak"] ?? "role_play", severity: severity(combined),
                        confidence: combined, indicators: evidence, scores: s.named, detector: "message.framed_ask"))
                } else if s.promptInjection >= t.promptInjection && !has(.promptInjectionDirect) && !has(.jailbreakDirect) {
                    a.findings.append(Finding(
                        type: .promptInjectionDirect, subtype: a.subtypes["prompt_injection"] ?? "instruction_override",
                        severity: severity(s.promptInjection), confidence: s.promptInjection,
                        indicators: evidence, scores: s.named, detector: "message.prompt_injection"))
                }
            }
            // Many-shot: a long fake dialogue together with an attack or harm signal, or a very long one.
            if s.manyShot >= 0.5 && !has(.jailbreakManyShot)
                && (s.manyShot >= 1 && (s.maxAttack >= 0.25 || s.maxHarm >= 0.25) || s.maxAttack >= t.jailbreak || s.maxHarm >= t.harmLow) {
                a.findings.append(Finding(
                    type: .jailbreakManyShot, severity: max(.medium, severity(max(s.manyShot, s.maxAttack))),
                    confidence: s.manyShot, indicators: evidence, scores: s.named, detector: "message.many_shot"))
            }
        }
        if event.role == .assistant && s.systemPromptLeak >= 0.5 && !has(.systemPromptLeak) {
            a.findings.append(Finding(
                type: .systemPromptLeak, severity: s.systemPromptLeak >= 0.8 ? .high : .medium, confidence: s.systemPromptLeak,
                indicators: evidence, scores: s.named, detector: "message.system_prompt_leak"))
        }
        if event.role == .user || event.role == .assistant {
            // A refusal is not harmful content, whatever its topic.
            if event.role == .assistant && s.refusal >= RefusalDetector.refusedFrom { return }
            for c in HarmCategory.allCases {
                let level = t.level(forHarm: s[c], in: c)
                guard level != .safe, level >= t.harmAlertLevel, !has(.harmfulContent(c)) else { continue }
                let sev: Severity = level == .high ? .high : (level == .medium ? .medium : .low)
                a.findings.append(Finding(
                    type: .harmfulContent(c), subtype: event.role == .assistant ? "response" : "request", severity: sev,
                    confidence: s[c],
                    indicators: a.indicators.filter { $0.id.hasSuffix(c.rawValue) || $0.kind == "rule" && $0.id.contains("harm") },
                    scores: s.named, detector: "message.harm.\(c.rawValue)"))
            }
        }
    }
}
