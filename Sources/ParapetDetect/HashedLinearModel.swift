import Foundation

/// Hashed word and character n-gram features of a normalised text.
///
/// Word unigrams and bigrams (tokens split on ASCII non-alphanumerics; non-ASCII bytes are word bytes) and
/// character 4-grams over the bytes. Every feature has the same value 1/sqrt(n), n the number of features, so a
/// linear score is (sum of the features' weights) / sqrt(n). Long texts are read head (12 KB) + tail (4 KB).
public enum NGramFeatures {
    public static let headBytes = 12 * 1024
    public static let tailBytes = 4 * 1024

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b >= 0x80 || (b >= 0x41 && b <= 0x5A)
    }

    /// The top bits of a hash. `&>>` and a truncating conversion: `shift` is 64 - bits, in 1...63, so the result is
    /// the same as `Int(h >> shift)` without that expression's range checks on every feature.
    @inline(__always) static func bucket(_ h: UInt64, _ shift: UInt64) -> Int { Int(truncatingIfNeeded: h &>> shift) }

    /// Calls `body` with the bucket (< 2^bits) of every feature; returns the number of features.
    @inline(__always)
    public static func forEach(_ text: UnsafeBufferPointer<UInt8>, bits: Int, _ body: (Int) -> Void) -> Int {
        let n = text.count
        if n > headBytes + tailBytes {
            let a = run(UnsafeBufferPointer(rebasing: text[0..<headBytes]), bits: bits, body)
            let b = run(UnsafeBufferPointer(rebasing: text[(n - tailBytes)..<n]), bits: bits, body)
            return a + b
        }
        return run(text, bits: bits, body)
    }

    @inline(__always)
    static func run(_ text: UnsafeBufferPointer<UInt8>, bits: Int, _ body: (Int) -> Void) -> Int {
        precondition(bits >= 1 && bits <= 63)
        let shift = UInt64(64 - bits)
        let n = text.count
        var count = 0
        // Character 4-grams, with a leading and a trailing space. The loops read only the text; the trailing space
        // is fed after each loop (a `i < n ? text[i] : 0x20` per byte cost a compare and a select on every byte).
        var w: UInt32 = 0x20
        for i in 0..<n {
            w = (w << 8) | UInt32(text[i])
            if i >= 2 {
                body(bucket(mix(UInt64(w) | 0x4_0000_0000), shift))
                count += 1
            }
        }
        if n >= 2 {
            w = (w << 8) | 0x20
            body(bucket(mix(UInt64(w) | 0x4_0000_0000), shift))
            count += 1
        }
        // words and word bigrams
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var inWord = false
        var prev: UInt64 = 0
        @inline(__always) func endWord() {
            body(bucket(mix(h ^ 0x1111), shift))
            body(bucket(mix(h ^ (prev &* 31) ^ 0x2222), shift))
            count += 2
            prev = h
            h = 0xcbf2_9ce4_8422_2325
            inWord = false
        }
        for i in 0..<n {
            let b = text[i]
            if isWordByte(b) {
                h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3
                inWord = true
            } else if inWord {
                endWord()
            }
        }
        if inWord { endWord() }
        return count
    }
}

/// A multi-head linear model over hashed n-grams (one logistic output per head), int8-quantised, optionally with a
/// dense part over WordPiece tokens (`TokenProjection`).
///
/// File format (little-endian): "PPTM", UInt32 version (1 or 2), UInt32 bits, UInt32 heads, UInt32 header length,
/// JSON header (`ModelHeader`), then `heads * 2^bits` Int8 weights, bucket-major (the heads of one bucket are
/// adjacent, so one feature reads one short row). Version 2 adds the token projection: UInt32 vocabulary size,
/// then `vocabulary * heads` Float32, token-major; the header's `info.token_vocab_sha256` names the vocabulary.
public struct HashedLinearModel: Sendable {
    public struct Header: Codable, Sendable, Hashable {
        public var heads: [String]
        public var bias: [Float]
        public var scale: [Float]
        public var bits: Int
        public var info: [String: String]
    }

    public let header: Header
    public let weights: [Int8]
    public let tokenProjection: TokenProjection?
    public var heads: [String] { header.heads }
    public var headCount: Int { header.heads.count }
    public var bits: Int { header.bits }

    /// The weights again, one 16-byte row per bucket (heads padded with zeros), for one SIMD load per feature.
    let rows: [Int8]

    public init(header: Header, weights: [Int8], tokenProjection: TokenProjection? = nil) {
        precondition(tokenProjection.map { $0.heads == header.heads.count } ?? true)
        self.header = header
        self.weights = weights
        self.tokenProjection = tokenProjection
        let k = header.heads.count
        var r = [Int8](repeating: 0, count: (weights.count / max(k, 1)) * 16)
        if k <= 16 {
            for b in 0..<(weights.count / max(k, 1)) {
                for h in 0..<k { r[b * 16 + h] = weights[b * k + h] }
            }
        }
        self.rows = r
    }

    public func headIndex(_ name: String) -> Int? { header.heads.firstIndex(of: name) }

    /// Raw logits per head for a normalised text (written into `out`, which must have `headCount` elements).
    public func logits(_ text: UnsafeBufferPointer<UInt8>, into out: inout [Float]) {
        let v = logitVector(text)
        for h in 0..<headCount { out[h] = v[h] }
    }

    /// Raw logits per head for a normalised text, in lanes `0..<headCount` (the other lanes are zero). No heap
    /// allocation: the message path calls this once per text, window and line.
    public func logitVector(_ text: UnsafeBufferPointer<UInt8>) -> SIMD16<Float> {
        let k = headCount
        precondition(k <= 16)
        precondition(bits >= 1 && bits <= 63)
        let shift = UInt64(64 - bits)
        var acc = SIMD16<Int32>(repeating: 0)
        let n = rows.withUnsafeBytes { raw in
            let count = text.count
            if count > NGramFeatures.headBytes + NGramFeatures.tailBytes {
                let head = UnsafeBufferPointer(rebasing: text[0..<NGramFeatures.headBytes])
                let tail = UnsafeBufferPointer(rebasing: text[(count - NGramFeatures.tailBytes)..<count])
                return Self.sumRows(head, shift: shift, rows: raw, into: &acc) + Self.sumRows(tail, shift: shift, rows: raw, into: &acc)
            }
            return Self.sumRows(text, shift: shift, rows: raw, into: &acc)
        }
        let inv = n > 0 ? 1 / Float(n).squareRoot() : 0
        var out = SIMD16<Float>(repeating: 0)
        header.scale.withUnsafeBufferPointer { scale in
            header.bias.withUnsafeBufferPointer { bias in
                for h in 0..<k { out[h] = Float(acc[h]) * scale[h] * inv + bias[h] }
            }
        }
        tokenProjection?.addMean(text, into: &out)
        return out
    }

    /// The rows of every feature of `NGramFeatures.run` (the same features: 4-grams with the padding, words and word
    /// bigrams), added to `acc`; returns the number of features. One loop over the bytes computes both kinds and adds
    /// each row as it is hashed: no bucket buffer, no second pass (the features come in another order than
    /// `NGramFeatures.forEach` gives them, and integer sums do not depend on it; `ScoringPathTests` compares the two).
    /// Rows are summed in 16-bit lanes and moved to the 32-bit total every 64 bytes: at most 64 4-grams and 64 word
    /// features (a word ends at most every other byte) plus the 3 after the loop, far below the 256 x 128 a lane takes.
    @inline(__always)
    static func sumRows(_ text: UnsafeBufferPointer<UInt8>, shift: UInt64, rows: UnsafeRawBufferPointer,
                        into acc: inout SIMD16<Int32>) -> Int {
        let n = text.count
        var acc16 = SIMD16<Int16>(repeating: 0)
        @inline(__always) func add(_ hash: UInt64) {
            let row = NGramFeatures.bucket(NGramFeatures.mix(hash), shift) &* 16
            acc16 &+= widen16(rows.loadUnaligned(fromByteOffset: row, as: SIMD16<Int8>.self))
        }
        var w: UInt32 = 0x20
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var inWord = false
        var prev: UInt64 = 0
        var words = 0
        @inline(__always) func endWord() {
            add(h ^ 0x1111)
            add(h ^ (prev &* 31) ^ 0x2222)
            words &+= 1
            prev = h
            h = 0xcbf2_9ce4_8422_2325
            inWord = false
        }
        @inline(__always) func wordStep(_ b: UInt8) {
            if NGramFeatures.isWordByte(b) {
                h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3
                inWord = true
            } else if inWord {
                endWord()
            }
        }
        // The first two bytes start the 4-gram window (with the leading space) and no 4-gram yet.
        let lead = min(n, 2)
        for i in 0..<lead {
            w = (w << 8) | UInt32(text[i])
            wordStep(text[i])
        }
        var i = lead
        while i < n {
            let b = text[i]
            w = (w << 8) | UInt32(b)
            add(UInt64(w) | 0x4_0000_0000)
            wordStep(b)
            i &+= 1
            if i & 63 == 0 {
                acc &+= widen(acc16)
                acc16 = SIMD16<Int16>(repeating: 0)
            }
        }
        if n >= 2 {
            w = (w << 8) | 0x20
            add(UInt64(w) | 0x4_0000_0000)
        }
        if inWord { endWord() }
        acc &+= widen(acc16)
        return (n >= 2 ? n - 1 : 0) + 2 * words
    }

    /// Int8 lanes to Int16 lanes, and Int16 to Int32. The generic `SIMD16<Int32>(truncatingIfNeeded:)` was not inlined
    /// (a call per feature, 4 % of the message path); lane by lane the compiler emits sign-extending vector moves.
    @inline(__always) static func widen16(_ v: SIMD16<Int8>) -> SIMD16<Int16> {
        SIMD16<Int16>(Int16(v[0]), Int16(v[1]), Int16(v[2]), Int16(v[3]), Int16(v[4]), Int16(v[5]), Int16(v[6]), Int16(v[7]),
                      Int16(v[8]), Int16(v[9]), Int16(v[10]), Int16(v[11]), Int16(v[12]), Int16(v[13]), Int16(v[14]), Int16(v[15]))
    }

    @inline(__always) static func widen(_ v: SIMD16<Int16>) -> SIMD16<Int32> {
        SIMD16<Int32>(Int32(v[0]), Int32(v[1]), Int32(v[2]), Int32(v[3]), Int32(v[4]), Int32(v[5]), Int32(v[6]), Int32(v[7]),
                      Int32(v[8]), Int32(v[9]), Int32(v[10]), Int32(v[11]), Int32(v[12]), Int32(v[13]), Int32(v[14]), Int32(v[15]))
    }

    public func probabilities(_ text: String) -> [Float] {
        var out = [Float](repeating: 0, count: headCount)
        var t = text
        t.withUTF8 { logits($0, into: &out) }
        return out.map { 1 / (1 + exp(-$0)) }
    }

    // MARK: - Serialisation

    public func serialized() throws -> Data {
        var d = Data("PPTM".utf8)
        func u32(_ x: Int) { withUnsafeBytes(of: UInt32(x).littleEndian) { d.append(contentsOf: $0) } }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        let h = try enc.encode(header)
        u32(tokenProjection == nil ? 1 : 2)
        u32(header.bits)
        u32(header.heads.count)
        u32(h.count)
        d.append(h)
        weights.withUnsafeBytes { d.append(contentsOf: $0) }
        if let p = tokenProjection {
            u32(p.vocabularySize)
            for v in p.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
        }
        return d
    }

    public init(data: Data) throws {
        let bytes = [UInt8](data)
        func u32(_ at: Int) throws -> Int {
            guard let v = LittleEndianBytes.u32(bytes, at: at) else { throw ModelError.corrupt("file too short") }
            return v
        }
        guard bytes.count > 20, bytes[0..<4].elementsEqual("PPTM".utf8) else { throw ModelError.corrupt("bad magic") }
        let version = try u32(4)
        guard version == 1 || version == 2 else { throw ModelError.corrupt("unsupported version \(version)") }
        let bits = try u32(8), heads = try u32(12), hl = try u32(16)
        guard bits >= 10, bits <= 24, heads >= 1, heads <= 10, 20 + hl <= bytes.count else { throw ModelError.corrupt("bad sizes") }
        let header = try JSONDecoder().decode(Header.self, from: Data(bytes[20..<(20 + hl)]))
        let nW = heads << bits
        let wEnd = 20 + hl + nW
        guard (version == 1 ? bytes.count == wEnd : bytes.count >= wEnd + 4), header.heads.count == heads,
              header.bias.count == heads, header.scale.count == heads, header.bits == bits
        else { throw ModelError.corrupt("weights do not match the header") }
        let w = bytes[(20 + hl)..<wEnd].withUnsafeBytes { Array($0.bindMemory(to: Int8.self)) }
        var projection: TokenProjection?
        if version == 2 {
            let vocab = try u32(wEnd)
            guard vocab > 0, bytes.count == wEnd + 4 + vocab * heads * 4 else {
                throw ModelError.corrupt("token projection: \(vocab) tokens do not match the file size")
            }
            let tokenizer = try WordPieceTokenizer.bundled()
            if let want = header.info["token_vocab_sha256"], want != tokenizer.vocabularySHA256 {
                throw ModelError.corrupt("token projection was trained with another vocabulary (\(want.prefix(12)))")
            }
            let v = LittleEndianBytes.floats(bytes, at: wEnd + 4, count: vocab * heads)
            projection = TokenProjection(values: v, heads: heads, tokenizer: tokenizer)
        }
        self.init(header: header, weights: w, tokenProjection: projection)
    }

    public static func load(path: String) throws -> HashedLinearModel {
        guard let d = FileManager.default.contents(atPath: path) else { throw ModelError.corrupt("cannot read \(path)") }
        return try HashedLinearModel(data: d)
    }

    /// The model shipped in `Resources/models/message-model.bin`, if present.
    public static func shipped() throws -> HashedLinearModel {
        guard let url = Bundle.module.url(forResource: "Resources/models/message-model", withExtension: "bin") else {
            throw ModelError.corrupt("Resources/models/message-model.bin is missing from the bundle")
        }
        return try HashedLinearModel(data: Data(contentsOf: url))
    }

    public static var shippedPath: String? {
        Bundle.module.url(forResource: "Resources/models/message-model", withExtension: "bin")?.path
    }
}

public enum ModelError: Error, Sendable, CustomStringConvertible {
    case corrupt(String)
    public var description: String {
        switch self {
        case .corrupt(let s): "model file: \(s)"
        }
    }
}
