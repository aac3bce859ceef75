import Foundation

/// The heads of the message model, in file order.
public enum ModelHead: String, CaseIterable, Sendable {
    case jailbreak, promptInjection = "prompt_injection", indirectInjection = "indirect_injection", harmful
    case hate, sexual, violence, selfHarm = "self_harm", illicit

    public var index: Int { Self.allCases.firstIndex(of: self)! }
}

/// One training message: normalised text and a label per head (1 positive, 0 negative, -1 not used for that head).
public struct TrainingExample: Sendable {
    public var text: String
    public var labels: [Float]
    /// Benign examples set aside for calibrating the operating point (never trained on).
    public var calibration: Bool

    public init(text: String, labels: [Float], calibration: Bool = false) {
        self.text = text
        self.labels = labels
        self.calibration = calibration
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so that training is reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Multi-head logistic regression over hashed n-grams, trained with AdaGrad; class-balanced per head; then each
/// head's bias is moved so that the 0.5 score sits at a target false-positive rate on held-out benign messages.
public struct ModelTrainer: Sendable {
    public var bits = 18
    public var epochs = 6
    public var learningRate: Float = 0.2
    public var l2: Float = 1e-4
    public var seed: UInt64 = 20_250_218
    /// Largest class weight (class balancing is capped: large weights made the heads unstable and noisy).
    public var maxClassWeight: Double = 3
    /// Target share of benign calibration messages scoring >= 0.5, per head (nil: no calibration).
    public var targetFPR: [Float?] = [0.0005, 0.0003, 0.003, 0.001, nil, nil, nil, nil, nil]
    /// Largest bias decrease calibration may apply, per head (nil: no limit).
    public var maxStrictShift: [Float?] = [3, 3, nil, nil, nil, nil, nil, nil, nil]
    public var log: @Sendable (String) -> Void = { _ in }
    /// Static token embeddings for the dense part (nil: n-gram features only). Needs `tokenizer`.
    public var embeddings: TokenEmbeddingTable?
    public var tokenizer: WordPieceTokenizer?
    /// Multiplier of the mean token embedding (its norm is ~0.3; this brings it near the n-gram part's scale).
    public var denseScale: Float = 3

    public init() {}

    public func train(_ examples: [TrainingExample]) -> HashedLinearModel {
        let k = ModelHead.allCases.count
        let nB = 1 << bits
        // Features once.
        var feats: [[Int32]] = []
        feats.reserveCapacity(examples.count)
        var inv: [Float] = []
        for e in examples {
            var f: [Int32] = []
            var t = e.text
            let n = t.withUTF8 { NGramFeatures.forEach($0, bits: bits) { f.append(Int32($0)) } }
            feats.append(f)
            inv.append(n > 0 ? 1 / Float(n).squareRoot() : 0)
        }
        // Dense features: the scaled mean of the tokens' static embeddings.
        let dense: (table: TokenEmbeddingTable, tokenizer: WordPieceTokenizer)? = embeddings.flatMap { e in tokenizer.map { (e, $0) } }
        let dims = dense?.table.dims ?? 0
        var denseX = [Float](repeating: 0, count: dense == nil ? 0 : examples.count * dims)
        if let dense {
            var ids: [Int32] = []
            var row = [Float](repeating: 0, count: dims)
            for (i, e) in examples.enumerated() {
                ids.removeAll(keepingCapacity: true)
                var t = e.text
                t.withUTF8 { TokenProjection.tokens($0, tokenizer: dense.tokenizer) { ids.append($0) } }
                dense.table.mean(of: ids, into: &row)
                for d in 0..<dims { denseX[i * dims + d] = row[d] * denseScale }
            }
        }
        // Class weights per head (balanced over the training part).
        var pos = [Double](repeating: 0, count: k), neg = [Double](repeating: 0, count: k)
        for e in examples where !e.calibration {
            for h in 0..<k {
                if e.labels[h] == 1 { pos[h] += 1 } else if e.labels[h] == 0 { neg[h] += 1 }
            }
        }
        var wPos = [Float](repeating: 1, count: k), wNeg = [Float](repeating: 1, count: k)
        for h in 0..<k where pos[h] > 0 && neg[h] > 0 {
            let tot = pos[h] + neg[h]
            // balanced, but a rare class is up-weighted at most 10x (larger weights made the heads unstable)
            wPos[h] = Float(min(maxClassWeight, tot / (2 * pos[h])))
            wNeg[h] = Float(min(maxClassWeight, tot / (2 * neg[h])))
        }
        log("examples \(examples.count); positives per head \(pos.map { Int($0) }); negatives \(neg.map { Int($0) })")
        var w = [Float](repeating: 0, count: nB * k)
        var g2 = [Float](repeating: 1e-8, count: nB * k)
        var bias = [Float](repeating: 0, count: k)
        var gb = [Float](repeating: 1e-8, count: k)
        var u = [Float](repeating: 0, count: dims * k)      // dense weights, dim-major
        var gu = [Float](repeating: 1e-8, count: dims * k)
        var order = Array(examples.indices.filter { !examples[$0].calibration })
        var rng = SplitMix64(seed: seed)
        var z = [Float](repeating: 0, count: k)
        var grad = [Float](repeating: 0, count: k)
        for epoch in 0..<epochs {
            order.shuffle(using: &rng)
            var loss: Double = 0
            for ei in order {
                let e = examples[ei]
                let f = feats[ei]
                let v = inv[ei]
                for h in 0..<k { z[h] = bias[h] }
                for b in f {
                    let base = Int(b) * k
                    for h in 0..<k { z[h] += w[base + h] * v }
                }
                let xBase = ei * dims
                for d in 0..<dims {
                    let x = denseX[xBase + d]
                    for h in 0..<k { z[h] += u[d * k + h] * x }
                }
                var any = false
                for h in 0..<k {
                    let y = e.labels[h]
                    if y < 0 {
                        grad[h] = 0
                        continue
                    }
                    any = true
                    let p = 1 / (1 + exp(-z[h]))
                    let cw = y == 1 ? wPos[h] : wNeg[h]
                    grad[h] = (p - y) * cw
                    loss += Double(cw) * -Double(y == 1 ? Foundation.log(p + 1e-7) : Foundation.log(1 - p + 1e-7))
                }
                guard any else { continue }
                for b in f {
                    let base = Int(b) * k
                    for h in 0..<k where grad[h] != 0 {
                        let g = grad[h] * v + l2 * w[base + h]
                        g2[base + h] += g * g
                        w[base + h] -= learningRate * g / g2[base + h].squareRoot()
                    }
                }
                for d in 0..<dims {
                    let x = denseX[xBase + d]
                    for h in 0..<k where grad[h] != 0 {
                        let g = grad[h] * x + l2 * u[d * k + h]
                        gu[d * k + h] += g * g
                        u[d * k + h] -= learningRate * g / gu[d * k + h].squareRoot()
                    }
                }
                for h in 0..<k where grad[h] != 0 {
                    gb[h] += grad[h] * grad[h]
                    bias[h] -= learningRate * grad[h] / gb[h].squareRoot()
                }
            }
            log("epoch \(epoch + 1)/\(epochs): mean weighted loss \(String(format: "%.4f", loss / Double(max(order.count, 1))))")
        }
        // Quantise: per-head scale from the 99.99th percentile of |w| (larger weights are clipped).
        var scale = [Float](repeating: 1, count: k)
        for h in 0..<k {
            var mags: [Float] = []
            mags.reserveCapacity(nB / 4)
            for b in 0..<nB where w[b * k + h] != 0 { mags.append(abs(w[b * k + h])) }
            mags.sort()
            let q = mags.isEmpty ? 1 : mags[min(mags.count - 1, Int(Double(mags.count) * 0.9999))]
            scale[h] = max(q, 1e-6) / 127
        }
        var qw = [Int8](repeating: 0, count: nB * k)
        for b in 0..<nB {
            for h in 0..<k {
                let x = (w[b * k + h] / scale[h]).rounded()
                qw[b * k + h] = Int8(max(-127, min(127, x)))
            }
        }
        var header = HashedLinearModel.Header(
            heads: ModelHead.allCases.map(\.rawValue), bias: bias, scale: scale, bits: bits,
            info: ["trainer": "adagrad-logistic", "epochs": String(epochs), "seed": String(seed),
                   "examples": String(examples.count)])
        // The dense weights folded into one row per token: row[t][h] = denseScale * E[t] . u[:, h].
        var projection: TokenProjection?
        if let dense {
            let e = dense.table
            var p = [Float](repeating: 0, count: e.rows * k)
            for t in 0..<e.rows {
                for d in 0..<dims {
                    let x = e.values[t * dims + d] * denseScale
                    for h in 0..<k { p[t * k + h] += x * u[d * k + h] }
                }
            }
            projection = TokenProjection(values: p, heads: k, tokenizer: dense.tokenizer)
            header.info["token_vocab_sha256"] = dense.tokenizer.vocabularySHA256
            header.info["dense_dims"] = String(dims)
            header.info["dense_scale"] = String(denseScale)
            header.info["embeddings_vocab_sha256"] = e.vocabularyDigest.map { String(format: "%02x", $0) }.joined()
        }
        // Calibrate on the held-out benign messages.
        var model = HashedLinearModel(header: header, weights: qw, tokenProjection: projection)
        var calLogits: [[Float]] = Array(repeating: [], count: k)
        var out = [Float](repeating: 0, count: k)
        for e in examples where e.calibration {
            var t = e.text
            t.withUTF8 { model.logits($0, into: &out) }
            for h in 0..<k where e.labels[h] == 0 { calLogits[h].append(out[h]) }
        }
        for h in 0..<k {
            guard let target = targetFPR[h], calLogits[h].count >= 50 else { continue }
            let s = calLogits[h].sorted()
            let idx = min(s.count - 1, Int((1 - Double(target)) * Double(s.count)))
            let q = s[idx]
            // Move the operating point to the target FPR, but never below the trained boundary by more than 1.5.
            // ... and never stricter than `maxStrictShift`: at 0.05 % of a few thousand messages the quantile is
            // set by two or three outliers, and one shuffle put the jailbreak head 13 logits above another.
            let shift = min(max(q, -1.5), maxStrictShift[h] ?? .infinity)
            header.bias[h] -= shift
            log("calibration \(ModelHead.allCases[h].rawValue): \(s.count) benign, logit quantile \(String(format: "%.3f", q)), bias shift \(String(format: "%.3f", -shift))")
            header.info["calibration_\(ModelHead.allCases[h].rawValue)"] = "fpr=\(target) shift=\(String(format: "%.3f", -shift))"
        }
        model = HashedLinearModel(header: header, weights: qw, tokenProjection: projection)
        return model
    }
}
