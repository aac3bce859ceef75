import Foundation
import ParapetCore

/// The shipped n-gram classifier: jailbreak and direct injection on user text, indirect injection on documents and
/// tool output, harmful request / content (with a category) on user and assistant text.
/// Decoded payloads (base64 ...) and smuggled text are scored too; the strongest attack score wins.
public struct ClassifierDetector: MessageDetector {
    public let id = "model"
    public let model: HashedLinearModel
    /// Indicators are added for heads at or above this score.
    public var indicatorFloor: Double = 0.3
    /// Harm scores of assistant text are multiplied by this (the model is trained mostly on requests).
    public var responseHarmFactor: Double = 0.9
    /// User messages of fewer words than this have their harm scores multiplied by `shortTextHarmFactor`. Held out
    /// (fewer than 5 words, halved): benign chats -10, benign prompts -9, harmful prompts -23 of 5,090; fewer than
    /// 6 words lost 93 harmful prompts.
    public var shortTextWords = 5
    public var shortTextHarmFactor = 0.5

    public init(model: HashedLinearModel) {
        self.model = model
    }

    @inline(__always) static func sigmoid(_ x: Float) -> Double { Double(1 / (1 + exp(-x))) }
    /// A single line is scored with this many logits against it: lines are short, so their scores spread wider
    /// than those of the windows the threshold was calibrated on. Held out, 1.5 added no clean document (0 / 0.5 /
    /// 1.0 added 5 / 4 / 2 of 514) and +65 of 1,628 injected ones.
    static let lineOffset: Float = 1.5

    public func analyze(_ input: DetectorInput, into a: inout MessageAnalysis) {
        let role = input.role
        guard role != .system else { return }
        let n = input.normalized
        let k = model.headCount
        // Per-head values in vector lanes (the model has at most 16 heads): no arrays per message.
        var best = SIMD16<Double>(repeating: 0)
        // Where each head's best score came from: `Self.plainText`, `Self.tagCharacters`, or `Self.payload0 + i`
        // for `n.decodedPayloads[i]`.
        var bestFrom = SIMD16<Int32>(repeating: Self.plainText)
        func score(_ text: String, _ from: Int32) {
            var t = text
            let out = t.withUTF8 { model.logitVector($0) }
            for h in 0..<k {
                let p = Self.sigmoid(out[h])
                if from == Self.plainText || h < 4 { // decoded text may only raise attack/harm, never set categories alone
                    if p > best[h] {
                        best[h] = p
                        bestFrom[h] = from
                    }
                }
            }
        }
        score(n.text, Self.plainText)
        if role.isExternalContent {
            // Windows of a long document and its lines: the indirect head reads each one; the strongest wins.
            let ii = ModelHead.indirectInjection.index
            var t = n.text
            t.withUTF8 { b in
                WindowedText.forEachRange(b) { r in
                    let out = model.logitVector(UnsafeBufferPointer(rebasing: b[r]))
                    best[ii] = max(best[ii], Self.sigmoid(out[ii]))
                }
                // ... and each line: an instruction planted in a table row or a code comment is one line
                WindowedText.forEachLineRange(b) { r in
                    let out = model.logitVector(UnsafeBufferPointer(rebasing: b[r]))
                    best[ii] = max(best[ii], Self.sigmoid(out[ii] - Self.lineOffset))
                }
            }
        }
        if let s = n.smuggledText, s.utf8.count >= 8 { score(s, Self.tagCharacters) }
        for (i, p) in n.decodedPayloads.enumerated() where p.text.utf8.count >= 12 { score(p.text, Self.payload0 + Int32(i)) }
        func source(_ code: Int32) -> String? {
            switch code {
            case Self.plainText: nil
            case Self.tagCharacters: "tag_characters"
            default: n.decodedPayloads[Int(code - Self.payload0)].encoding.rawValue
            }
        }
        let jb = best[ModelHead.jailbreak.index], pi = best[ModelHead.promptInjection.index]
        let ii = best[ModelHead.indirectInjection.index], harm = best[ModelHead.harmful.index]
        var s = a.scores
        switch role {
        case .user:
            s.jailbreak = max(s.jailbreak, jb)
            s.promptInjection = max(s.promptInjection, pi)
            // Too short for the n-gram model to judge alone: its few features carry large weights ("i", "why?",
            // "I know" scored as illicit on held-out chats). Harm rules and the conversation detectors still apply.
            let short = Normalizer.wordCount(n.text, limit: shortTextWords) < shortTextWords
            setHarm(harm, best, &s, factor: short ? shortTextHarmFactor : 1)
        case .document, .tool:
            // An instruction aimed at the assistant inside data: the indirect head, helped by the direct one.
            s.indirectInjection = max(s.indirectInjection, max(ii, pi * 0.8))
        case .assistant:
            setHarm(harm, best, &s, factor: responseHarmFactor)
        case .system:
            break
        }
        a.scores = s
        func ind(_ head: ModelHead, _ v: Double, _ title: String) {
            guard v >= indicatorFloor else { return }
            let from = source(bestFrom[head.index])
            a.add(Indicator(id: "model:" + head.rawValue, kind: "model", title: title + (from.map { " (in \($0)-encoded text)" } ?? ""),
                            score: (v * 1000).rounded() / 1000))
            if let from, head.index < 3 {
                a.add(Indicator(id: "encoding:" + from, kind: "encoding", title: "Attack text found inside \(from)-encoded text", score: v))
                if head == .jailbreak, v > (a.subtypeWeights["jailbreak"] ?? 0) {
                    a.subtypes["jailbreak"] = "encoding"
                    a.subtypeWeights["jailbreak"] = v
                }
            }
        }
        if role == .user {
            ind(.jailbreak, jb, "Jailbreak classifier")
            ind(.promptInjection, pi, "Prompt-injection classifier")
        }
        if role.isExternalContent { ind(.indirectInjection, s.indirectInjection, "Indirect-injection classifier") }
        if role == .user || role == .assistant {
            for c in HarmCategory.allCases where s[c] >= indicatorFloor {
                a.add(Indicator(id: "model:harm." + c.rawValue, kind: "model", title: "Harm classifier: \(c.rawValue)",
                                score: (s[c] * 1000).rounded() / 1000))
            }
        }
    }

    /// Harm score per category: P(harmful) goes to the most likely category; the others get it scaled by their
    /// probability relative to the top one. A harmful text of unknown category still scores (as its best guess).
    func setHarm(_ harm: Double, _ p: SIMD16<Double>, _ s: inout MessageScores, factor: Double) {
        var top = 1e-9
        for (_, h) in Self.harmHeads { top = max(top, p[h.index]) }
        for (c, h) in Self.harmHeads {
            let v = harm * factor * min(1, p[h.index] / top)
            s[c] = max(s[c], v)
        }
    }

    static let harmHeads: [(HarmCategory, ModelHead)] = [(.hate, .hate), (.sexual, .sexual), (.violence, .violence),
                                                         (.selfHarm, .selfHarm), (.illicit, .illicit)]

    /// Sources of a head's best score (`bestFrom` in `analyze`).
    static let plainText: Int32 = 0
    static let tagCharacters: Int32 = 1
    static let payload0: Int32 = 2
}
