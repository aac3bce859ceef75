import Foundation
import Testing
@testable import ParapetDetect

/// The dense part of the message model: static token embeddings at training time, a per-token projection at
/// inference, saved in model file version 2.
@Suite struct TokenProjectionTests {
    static let tokenizer: WordPieceTokenizer = try! WordPieceTokenizer.bundled()
    let heads = ModelHead.allCases.count
    let harmful = ModelHead.harmful.index

    /// A table where "alpha"/"beta" share one direction and "gamma"/"delta" another; every other token is zero.
    func syntheticTable() throws -> TokenEmbeddingTable {
        let tk = Self.tokenizer
        let dims = 4
        var v = [Float](repeating: 0, count: tk.vocabularySize * dims)
        func set(_ word: String, _ row: [Float]) throws {
            let id = try #require(tk.id(of: word), "\(word) is one token")
            for d in 0..<dims { v[Int(id) * dims + d] = row[d] }
        }
        try set("alpha", [1, 0.1, 0, 0])
        try set("beta", [0.9, 0, 0.1, 0])
        try set("gamma", [0, 0, 1, 0.1])
        try set("delta", [0, 0.1, 0.9, 0])
        let digest = stride(from: 0, to: 64, by: 2).map { i -> UInt8 in
            let s = tk.vocabularySHA256
            return UInt8(s[s.index(s.startIndex, offsetBy: i)..<s.index(s.startIndex, offsetBy: i + 2)], radix: 16)!
        }
        return TokenEmbeddingTable(rows: tk.vocabularySize, dims: dims, values: v, vocabularyDigest: digest)
    }

    func examples() -> [TrainingExample] {
        var out: [TrainingExample] = []
        let fillers = ["report", "note", "message", "story", "text", "memo", "letter", "entry"]
        for (i, f) in fillers.enumerated() {
            var pos = [Float](repeating: -1, count: heads), neg = pos
            pos[harmful] = 1
            neg[harmful] = 0
            out.append(TrainingExample(text: "alpha \(f) number \(i)", labels: pos))
            out.append(TrainingExample(text: "gamma \(f) number \(i)", labels: neg))
        }
        return out
    }

    func trainer(dense: Bool) throws -> ModelTrainer {
        var t = ModelTrainer()
        t.bits = 12
        t.epochs = 8
        t.targetFPR = Array(repeating: nil, count: heads)
        if dense {
            t.embeddings = try syntheticTable()
            t.tokenizer = Self.tokenizer
        }
        return t
    }

    @Test func denseFeaturesCarryTheLabelToUnseenNeighbours() throws {
        // "beta" and "delta" never occur in training: only their embeddings relate them to "alpha" and "gamma".
        let withDense = try trainer(dense: true).train(examples())
        let plain = try trainer(dense: false).train(examples())
        let beta = withDense.probabilities("beta")[harmful], delta = withDense.probabilities("delta")[harmful]
        #expect(beta > 0.6)
        #expect(delta < 0.4)
        // Without the dense part the unseen words are indistinguishable.
        let pb = plain.probabilities("beta")[harmful], pd = plain.probabilities("delta")[harmful]
        #expect(abs(pb - pd) < 0.05)
        #expect(withDense.tokenProjection != nil && plain.tokenProjection == nil)
        #expect(withDense.header.info["token_vocab_sha256"] == Self.tokenizer.vocabularySHA256)
    }

    @Test func logitsAddTheMeanOfTheTokenRows() throws {
        let tk = Self.tokenizer
        var rows = [Float](repeating: 0, count: tk.vocabularySize * heads)
        let cat = Int(try #require(tk.id(of: "cat"))), dog = Int(try #require(tk.id(of: "dog")))
        rows[cat * heads + harmful] = 3
        rows[dog * heads + harmful] = 1
        rows[dog * heads + 0] = -2
        let header = HashedLinearModel.Header(heads: ModelHead.allCases.map(\.rawValue),
                                              bias: Array(repeating: 0, count: heads),
                                              scale: Array(repeating: 1, count: heads), bits: 10,
                                              info: ["token_vocab_sha256": tk.vocabularySHA256])
        let weights = [Int8](repeating: 0, count: heads << 10)
        let m = HashedLinearModel(header: header, weights: weights,
                                  tokenProjection: TokenProjection(values: rows, heads: heads, tokenizer: tk))
        var out = [Float](repeating: 0, count: heads)
        var text = "cat dog dog bird"   // 4 tokens: (3 + 1 + 1 + 0) / 4 on harmful, (-2 -2) / 4 on jailbreak
        text.withUTF8 { m.logits($0, into: &out) }
        #expect(abs(out[harmful] - 1.25) < 1e-5)
        #expect(abs(out[0] + 1.0) < 1e-5)
        #expect(out[1] == 0)

        // Version 2 file round trip keeps the projection.
        let back = try HashedLinearModel(data: try m.serialized())
        var out2 = [Float](repeating: 0, count: heads)
        text.withUTF8 { back.logits($0, into: &out2) }
        #expect(out2 == out)
        #expect(back.tokenProjection?.values == rows)

        // A model file naming another vocabulary is refused.
        var other = header
        other.info["token_vocab_sha256"] = String(repeating: "0", count: 64)
        let foreign = HashedLinearModel(header: other, weights: weights,
                                        tokenProjection: TokenProjection(values: rows, heads: heads, tokenizer: tk))
        #expect(throws: ModelError.self) { try HashedLinearModel(data: try foreign.serialized()) }
        // A truncated projection is refused.
        let data = try m.serialized()
        #expect(throws: ModelError.self) { try HashedLinearModel(data: data.prefix(data.count - 4)) }
    }

    @Test func longTextsAreReadHeadAndTail() throws {
        let tk = Self.tokenizer
        let head = String(repeating: "alpha ", count: 600)      // 3,600 bytes: past the 2 KB head
        let text = head + "middle " + String(repeating: "omega ", count: 300)
        var ids: [Int32] = []
        var t = text
        t.withUTF8 { TokenProjection.tokens($0, tokenizer: tk) { ids.append($0) } }
        let alpha = try #require(tk.id(of: "alpha")), omega = try #require(tk.id(of: "omega"))
        let middle = try #require(tk.id(of: "middle"))
        #expect(ids.contains(alpha) && ids.contains(omega))
        #expect(!ids.contains(middle))
        #expect(ids.count < 600)
    }

    @Test func embeddingTableFileIsChecked() throws {
        let table = try syntheticTable()
        var d = Data("PPEM".utf8)
        func u32(_ x: Int) { withUnsafeBytes(of: UInt32(x).littleEndian) { d.append(contentsOf: $0) } }
        u32(1); u32(table.rows); u32(table.dims)
        d.append(contentsOf: table.vocabularyDigest)
        for v in table.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        let back = try TokenEmbeddingTable(data: d)
        #expect(back.values == table.values && back.dims == 4 && back.vocabularyDigest == table.vocabularyDigest)
        #expect(throws: ModelError.self) { try TokenEmbeddingTable(data: d.prefix(d.count - 1)) }
        var bad = d
        bad[0] = UInt8(ascii: "X")
        #expect(throws: ModelError.self) { try TokenEmbeddingTable(data: bad) }
    }
}
