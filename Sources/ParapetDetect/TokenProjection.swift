import Foundation

/// Static token embeddings distilled from a sentence encoder (all-MiniLM-L6-v2, Apache-2.0), used at training
/// time only: a message's dense feature is the mean of its WordPiece tokens' rows.
///
/// File format "PPEM" (written by `scripts/model/distill_static_embeddings.py`): "PPEM", UInt32 version (1),
/// UInt32 rows, UInt32 dims, 32 bytes SHA-256 of the vocabulary file, then rows * dims Float32, little-endian.
public struct TokenEmbeddingTable: Sendable {
    public let rows: Int
    public let dims: Int
    public let values: [Float]
    public let vocabularyDigest: [UInt8]

    public init(rows: Int, dims: Int, values: [Float], vocabularyDigest: [UInt8]) {
        precondition(values.count == rows * dims)
        self.rows = rows
        self.dims = dims
        self.values = values
        self.vocabularyDigest = vocabularyDigest
    }

    public init(data: Data) throws {
        let b = [UInt8](data)
        func u32(_ at: Int) -> Int { LittleEndianBytes.u32(b, at: at) ?? 0 }
        guard b.count >= 48, b[0..<4].elementsEqual("PPEM".utf8) else { throw ModelError.corrupt("embedding table: bad magic") }
        guard u32(4) == 1 else { throw ModelError.corrupt("embedding table: unsupported version \(u32(4))") }
        let rows = u32(8), dims = u32(12)
        guard rows > 0, dims > 0, dims <= 1024, b.count == 48 + rows * dims * 4 else {
            throw ModelError.corrupt("embedding table: \(rows) x \(dims) does not match the file size \(b.count)")
        }
        let v = LittleEndianBytes.floats(b, at: 48, count: rows * dims)
        self.init(rows: rows, dims: dims, values: v, vocabularyDigest: Array(b[16..<48]))
    }

    public static func load(path: String) throws -> TokenEmbeddingTable {
        guard let d = FileManager.default.contents(atPath: path) else {
            throw ModelError.corrupt("cannot read embedding table \(path)")
        }
        return try TokenEmbeddingTable(data: d)
    }

    /// Mean of the rows of `tokens` (zeros for no tokens), written into `out` (`dims` elements).
    public func mean(of tokens: [Int32], into out: inout [Float]) {
        for d in 0..<dims { out[d] = 0 }
        guard !tokens.isEmpty else { return }
        values.withUnsafeBufferPointer { v in
            for t in tokens where Int(t) < rows {
                let base = Int(t) * dims
                for d in 0..<dims { out[d] += v[base + d] }
            }
        }
        let inv = 1 / Float(tokens.count)
        for d in 0..<dims { out[d] *= inv }
    }
}

/// The dense part of the message model at inference: one row of per-head logit contributions per WordPiece token
/// (the token's embedding times the trained dense weights, precomputed), so a message adds the mean of its tokens'
/// rows to the hashed n-gram logits. Words the n-gram part never saw still score through their neighbours in the
/// embedding space ("detonate" near "explode").
public struct TokenProjection: Sendable {
    public let vocabularySize: Int
    public let heads: Int
    /// vocabularySize * heads, token-major.
    public let values: [Float]
    let rows: [SIMD16<Float>]
    public let tokenizer: WordPieceTokenizer

    /// Bytes of a long text that are tokenised: the head and the tail (as the n-gram features read head and tail).
    public static let headBytes = 2048
    public static let tailBytes = 1024

    public init(values: [Float], heads: Int, tokenizer: WordPieceTokenizer) {
        precondition(heads >= 1 && heads <= 16 && values.count % heads == 0)
        self.values = values
        self.heads = heads
        self.vocabularySize = values.count / heads
        self.tokenizer = tokenizer
        var r = [SIMD16<Float>](repeating: .zero, count: vocabularySize)
        for t in 0..<vocabularySize {
            for h in 0..<heads { r[t][h] = values[t * heads + h] }
        }
        self.rows = r
    }

    /// The WordPiece ids of a normalised text as the model reads it (head and tail of a long text).
    public static func tokens(_ text: UnsafeBufferPointer<UInt8>, tokenizer: WordPieceTokenizer, _ body: (Int32) -> Void) {
        let n = text.count
        if n <= headBytes + tailBytes {
            tokenizer.forEachTokenID(text, maxTokens: 1024, body)
            return
        }
        var h = headBytes
        while h > 0, text[h] & 0xC0 == 0x80 { h -= 1 }  // cut on a character boundary
        var t = n - tailBytes
        while t < n, text[t] & 0xC0 == 0x80 { t += 1 }
        tokenizer.forEachTokenID(UnsafeBufferPointer(rebasing: text[0..<h]), maxTokens: 1024, body)
        tokenizer.forEachTokenID(UnsafeBufferPointer(rebasing: text[t..<n]), maxTokens: 1024, body)
    }

    /// Adds the mean of the tokens' rows to lanes `0..<heads` of `out`.
    @inline(__always)
    public func addMean(_ text: UnsafeBufferPointer<UInt8>, into out: inout SIMD16<Float>) {
        var acc = SIMD16<Float>(repeating: 0)
        var n = 0
        let vocab = vocabularySize
        rows.withUnsafeBufferPointer { r in
            Self.tokens(text, tokenizer: tokenizer) { id in
                let i = Int(id)
                if i < vocab {
                    acc += r[i]
                    n += 1
                }
            }
        }
        guard n > 0 else { return }
        let inv = 1 / Float(n)
        for h in 0..<heads { out[h] += acc[h] * inv }
    }
}
