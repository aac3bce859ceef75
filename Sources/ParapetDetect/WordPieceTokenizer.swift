import Foundation
import ParapetCore

/// BERT-uncased WordPiece tokenizer, id-for-id compatible with the HuggingFace `tokenizers` pipeline of
/// sentence-transformers/all-MiniLM-L6-v2 (`BertNormalizer` with clean_text, handle_chinese_chars, lowercase and
/// accent stripping; `BertPreTokenizer`; `WordPiece` with "##" continuations, "[UNK]" and 100 characters per word).
///
/// The steps, in HuggingFace's order:
/// 1. the special tokens `[PAD] [UNK] [CLS] [SEP] [MASK]` are matched verbatim (case-sensitive) in the raw text;
/// 2. clean_text: U+0000, U+FFFD and "other" characters (Cc, Cf, Co, Cs; tab, LF and CR excepted) are dropped,
///    White_Space characters become spaces;
/// 3. CJK ideographs get spaces around them;
/// 4. NFD, then non-spacing marks (Mn) are dropped, then every character is lowercased on its own (no final sigma);
/// 5. the text is split on whitespace, and every punctuation character (ASCII 33–47, 58–64, 91–96, 123–126, or a
///    P* category) becomes a word of its own;
/// 6. each word is cut greedily into the longest vocabulary pieces ("##" on continuations); a word of more than 100
///    characters, or one that cannot be cut completely, is a single `[UNK]`.
///
/// HuggingFace takes the categories of step 2, 4 and 5 from the `unicode_categories` crate, whose tables are those of
/// Unicode 8.0 and do not list unassigned code points: a character assigned after 8.0 is therefore an ordinary word
/// character there, whatever its category is now. This implementation reproduces that (see `UnicodeTables`).
///
/// ASCII is handled byte by byte without any Unicode work; other characters go through a per-scalar class table
/// (built once per process), and only characters that decompose, change case or are combining marks take the
/// general path. The vocabulary is an open-addressing hash table over the UTF-8 bytes of the tokens.
public struct WordPieceTokenizer: Sendable {
    public enum LoadError: Error, Sendable, CustomStringConvertible {
        case missingResource(String)
        case missingToken(String)

        public var description: String {
            switch self {
            case .missingResource(let s): "WordPiece vocabulary: \(s) is missing from the bundle"
            case .missingToken(let s): "WordPiece vocabulary: no \(s) token"
            }
        }
    }

    /// Words longer than this many characters (after normalisation) become `[UNK]`.
    public static let maxInputCharsPerWord = 100

    public let unknownID: Int32
    public let classifierID: Int32
    public let separatorID: Int32
    public let paddingID: Int32
    public let maskID: Int32?
    public var vocabularySize: Int { offsets.count - 1 }
    /// SHA-256 (lowercase hex) of the vocabulary text's UTF-8 bytes, i.e. of vocab.txt as loaded.
    public let vocabularySHA256: String

    /// Token bytes, concatenated; token `i` is `bytes[offsets[i]..<offsets[i+1]]`.
    private let bytes: [UInt8]
    private let offsets: [UInt32]
    /// Open addressing, two words a slot: `slotMeta(...) | (id + 1)` (0 = empty), then the first 8 bytes of the
    /// token (after "##" for continuations), little-endian and zero-padded; a lookup rarely needs the token bytes.
    private let slots: [UInt64]
    private let slotMask: Int
    /// One bit per token hash (64 KB, stays in cache): most failed lookups of the longest-match search stop here
    /// instead of missing the cache in the 1 MB slot table.
    private let filter: [UInt64]
    static let filterBits = 1 << 19
    @inline(__always) static func filterBit(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h >> 20) & (filterBits - 1) }
    /// Longest word-initial token and longest continuation (without "##"), in bytes.
    private let maxInitialBytes: Int
    private let maxContinuationBytes: Int
    /// Special tokens matched in the raw text: (bytes, id).
    private let specials: [([UInt8], Int32)]

    /// `vocabularyText`: one token per line, the id of a token is its line index (vocab.txt).
    public init(vocabularyText: String) throws {
        var lines = vocabularyText.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var bytes: [UInt8] = []
        var offsets: [UInt32] = [0]
        bytes.reserveCapacity(vocabularyText.utf8.count)
        offsets.reserveCapacity(lines.count + 1)
        for line in lines {
            var token = line.utf8[...]
            if token.last == 0x0D { token = token.dropLast() }
            bytes.append(contentsOf: token)
            offsets.append(UInt32(bytes.count))
        }
        let n = offsets.count - 1
        // a later duplicate replaces an earlier one, as in HuggingFace's vocabulary loaders
        var latest: [ArraySlice<UInt8>: Int] = [:]
        for id in 0..<n { latest[bytes[Int(offsets[id])..<Int(offsets[id + 1])]] = id }
        var size = 16
        while size < n * 2 { size <<= 1 }
        var slots = [UInt64](repeating: 0, count: 2 * size)
        let mask = size - 1
        var filter = [UInt64](repeating: 0, count: Self.filterBits / 64)
        var maxInitial = 0, maxContinuation = 0
        var index: [String: Int32] = [:]
        for id in 0..<n {
            let token = bytes[Int(offsets[id])..<Int(offsets[id + 1])]
            guard latest[token] == id else { continue }
            let isContinuation = token.count > 2 && token.starts(with: [0x23, 0x23])
            let piece = isContinuation ? token.dropFirst(2) : token
            guard piece.count < 256 else { continue }  // longer than any word can be (100 characters)
            var h = isContinuation ? Self.continuationBasis : Self.fnvBasis
            for b in piece { h = Self.fnvStep(h, b) }
            if isContinuation {
                maxContinuation = max(maxContinuation, piece.count)
            } else {
                maxInitial = max(maxInitial, piece.count)
            }
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[2 * i] != 0 { i = (i + 1) & mask }
            slots[2 * i] = Self.slotMeta(hash: h, length: piece.count, continuation: isContinuation) | UInt64(id + 1)
            slots[2 * i + 1] = piece.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let f = Self.filterBit(h)
            filter[f >> 6] |= 1 << UInt64(f & 63)
            if token.first == 0x5B { index[String(decoding: token, as: UTF8.self)] = Int32(id) }
        }
        guard let unk = index["[UNK]"] else { throw LoadError.missingToken("[UNK]") }
        guard let cls = index["[CLS]"] else { throw LoadError.missingToken("[CLS]") }
        guard let sep = index["[SEP]"] else { throw LoadError.missingToken("[SEP]") }
        guard let pad = index["[PAD]"] else { throw LoadError.missingToken("[PAD]") }
        self.unknownID = unk
        self.classifierID = cls
        self.separatorID = sep
        self.paddingID = pad
        self.maskID = index["[MASK]"]
        self.specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].compactMap { s in index[s].map { (Array(s.utf8), $0) } }
        self.vocabularySHA256 = StableHash.hex(StableHash.sha256(bytes: Array(vocabularyText.utf8)))
        self.bytes = bytes
        self.offsets = offsets
        self.slots = slots
        self.slotMask = mask
        self.filter = filter
        self.maxInitialBytes = maxInitial
        self.maxContinuationBytes = maxContinuation
        _ = UnicodeTables.shared  // build the per-process Unicode tables now rather than on the first message
    }

    /// The vocabulary shipped in `Resources/models/vocab.txt` (all-MiniLM-L6-v2, Apache-2.0).
    public static func bundled() throws -> WordPieceTokenizer {
        guard let url = Bundle.module.url(forResource: "Resources/models/vocab", withExtension: "txt")
            ?? Bundle.module.url(forResource: "vocab", withExtension: "txt", subdirectory: "Resources/models")
        else { throw LoadError.missingResource("Resources/models/vocab.txt") }
        return try WordPieceTokenizer(vocabularyText: String(contentsOf: url, encoding: .utf8))
    }

    /// One bundled tokenizer for the detectors that only read its vocabulary (suffix fragments, word repairs); nil if
    /// the resource is missing.
    static let sharedBundled: WordPieceTokenizer? = try? bundled()

    /// The id of `token` (exact vocabulary entry, e.g. "hello" or "##ing"), if any.
    public func id(of token: String) -> Int32? {
        var token = token
        return token.withUTF8 { t in
            bytes.withUnsafeBufferPointer { b in
                offsets.withUnsafeBufferPointer { o in
                    slots.withUnsafeBufferPointer { s in filter.withUnsafeBufferPointer { f in
                        let continuation = t.count > 2 && t[0] == 0x23 && t[1] == 0x23
                        let piece = UnsafeBufferPointer(rebasing: t[(continuation ? 2 : 0)...])
                        guard piece.count < 256 else { return nil }
                        var h = continuation ? Self.continuationBasis : Self.fnvBasis
                        for x in piece { h = Self.fnvStep(h, x) }
                        let v = Vocab(bytes: b, offsets: o, slots: s, mask: slotMask, filter: f)
                        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: piece.count + 8) { padded in
                            padded.initialize(repeating: 0)
                            for (j, x) in piece.enumerated() { padded[j] = x }
                            return v.lookup(hash: h, padded.baseAddress!, piece.count, continuation: continuation)
                        }
                    } }
                }
            }
        }
    }

    /// The vocabulary entry of `id`.
    public func token(forID id: Int32) -> String? {
        guard id >= 0, Int(id) < vocabularySize else { return nil }
        return String(decoding: bytes[Int(offsets[Int(id)])..<Int(offsets[Int(id) + 1])], as: UTF8.self)
    }

    /// WordPiece ids of `text`, without [CLS]/[SEP], at most `maxTokens` of them.
    public func tokenIDs(_ text: String, maxTokens: Int = 256) -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(min(maxTokens, text.utf8.count / 3 + 8))
        forEachTokenID(text, maxTokens: maxTokens) { out.append($0) }
        return out
    }

    /// Calls `body` with the WordPiece ids of `text` in order (no [CLS]/[SEP]); stops after `maxTokens` ids.
    public func forEachTokenID(_ text: String, maxTokens: Int, _ body: (Int32) -> Void) {
        var text = text
        text.withUTF8 { forEachTokenID($0, maxTokens: maxTokens, body) }
    }

    /// The same over UTF-8 bytes. Malformed sequences are dropped (as U+FFFD would be), never read past the end.
    public func forEachTokenID(_ utf8: UnsafeBufferPointer<UInt8>, maxTokens: Int, _ body: (Int32) -> Void) {
        guard maxTokens > 0, !utf8.isEmpty else { return }
        bytes.withUnsafeBufferPointer { b in
            offsets.withUnsafeBufferPointer { o in
                slots.withUnsafeBufferPointer { s in
                    filter.withUnsafeBufferPointer { f in
                        UnicodeTables.shared.classes.withUnsafeBufferPointer { classes in
                            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.wordCapacity) { word in
                                word.initialize(repeating: 0)
                                let longest = max(maxInitialBytes, maxContinuationBytes) + 1
                                withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.maxInputCharsPerWord + 1) { pieces in
                                    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: longest) { hashes in
                                        withUnsafeTemporaryAllocation(of: Int.self, capacity: longest) { lengths in
                                            withoutActuallyEscaping(body) { emit in
                                                var scanner = Scanner(
                                                    vocab: Vocab(bytes: b, offsets: o, slots: s, mask: slotMask, filter: f),
                                                    classes: classes, word: word.baseAddress!, pieces: pieces.baseAddress!,
                                                    prefixHashes: hashes.baseAddress!, prefixLengths: lengths.baseAddress!,
                                                    maxInitialBytes: maxInitialBytes, maxContinuationBytes: maxContinuationBytes,
                                                    unknownID: unknownID, specials: specials, remaining: maxTokens, emit: emit)
                                                scanner.run(utf8)
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - internals

    /// Room for 100 characters of up to 4 bytes, one more being inserted, and 8 bytes of slack for key loads.
    static let wordCapacity = 4 * (maxInputCharsPerWord + 2) + 8

    static var fnvBasis: UInt64 { @inline(__always) get { 0xcbf2_9ce4_8422_2325 } }
    @inline(__always) static func fnvStep(_ h: UInt64, _ b: UInt8) -> UInt64 { (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
    /// The hash state after "##": continuation lookups start here, so they need no prefix.
    static var continuationBasis: UInt64 { @inline(__always) get { fnvStep(fnvStep(fnvBasis, 0x23), 0x23) } }

    /// 24 bits of hash, 8 of length, 1 continuation flag; the low 31 bits of a slot's first word are id + 1.
    @inline(__always)
    static func slotMeta(hash: UInt64, length: Int, continuation: Bool) -> UInt64 {
        (hash >> 40) << 40 | UInt64(truncatingIfNeeded: length & 0xFF) << 32 | (continuation ? 1 << 31 : 0)
    }
    static var metaMask: UInt64 { 0xFFFF_FFFF_8000_0000 }

    struct Vocab {
        let bytes: UnsafeBufferPointer<UInt8>
        let offsets: UnsafeBufferPointer<UInt32>
        let slots: UnsafeBufferPointer<UInt64>
        let mask: Int
        let filter: UnsafeBufferPointer<UInt64>

        /// The id of the token whose bytes are `p[0..<n]` (after "##" if `continuation`), hashed to `hash`.
        /// `p` must be readable for 8 bytes past `n` (the word buffer has that slack).
        @inline(__always)
        func lookup(hash: UInt64, _ p: UnsafePointer<UInt8>, _ n: Int, continuation: Bool) -> Int32? {
            let f = WordPieceTokenizer.filterBit(hash)
            guard filter[f >> 6] & (1 << UInt64(f & 63)) != 0 else { return nil }
            let meta = WordPieceTokenizer.slotMeta(hash: hash, length: n, continuation: continuation)
            let raw = UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self))
            let key = n >= 8 ? raw : raw & ((1 << (8 * UInt64(n))) &- 1)
            var i = Int(truncatingIfNeeded: hash) & mask
            while true {
                let slot = slots[2 * i]
                if slot == 0 { return nil }
                if slot & WordPieceTokenizer.metaMask == meta, slots[2 * i + 1] == key {
                    let id = Int(UInt32(truncatingIfNeeded: slot) & 0x7FFF_FFFF) - 1
                    if n <= 8 { return Int32(id) }
                    let start = Int(offsets[id]) + (continuation ? 2 : 0)
                    if memcmp(bytes.baseAddress! + start + 8, p + 8, n - 8) == 0 { return Int32(id) }
                }
                i = (i + 1) & mask
            }
        }
    }

    /// One pass over a text: builds normalised words in `word` and emits their pieces.
    struct Scanner {
        let vocab: Vocab
        let classes: UnsafeBufferPointer<UInt8>
        let word: UnsafeMutablePointer<UInt8>
        let pieces: UnsafeMutablePointer<Int32>
        let prefixHashes: UnsafeMutablePointer<UInt64>
        let prefixLengths: UnsafeMutablePointer<Int>
        let maxInitialBytes: Int
        let maxContinuationBytes: Int
        let unknownID: Int32
        let specials: [([UInt8], Int32)]
        var remaining: Int
        let emit: (Int32) -> Void

        /// Bytes of the current word (only the first 101 characters are kept) and its length in characters.
        var wordBytes = 0
        var wordChars = 0
        /// Canonical ordering: the current run of kept combining marks (ccc != 0) starts at `runStart`.
        var inRun = false
        var runStart = 0
        var lastCCC: UInt8 = 0

        init(vocab: Vocab, classes: UnsafeBufferPointer<UInt8>, word: UnsafeMutablePointer<UInt8>,
             pieces: UnsafeMutablePointer<Int32>, prefixHashes: UnsafeMutablePointer<UInt64>,
             prefixLengths: UnsafeMutablePointer<Int>, maxInitialBytes: Int, maxContinuationBytes: Int, unknownID: Int32,
             specials: [([UInt8], Int32)], remaining: Int, emit: @escaping (Int32) -> Void) {
            self.vocab = vocab
            self.classes = classes
            self.word = word
            self.pieces = pieces
            self.prefixHashes = prefixHashes
            self.prefixLengths = prefixLengths
            self.maxInitialBytes = maxInitialBytes
            self.maxContinuationBytes = maxContinuationBytes
            self.unknownID = unknownID
            self.specials = specials
            self.remaining = remaining
            self.emit = emit
        }

        mutating func run(_ text: UnsafeBufferPointer<UInt8>) {
            let p = text.baseAddress!
            let n = text.count
            var i = 0
            while i < n && remaining > 0 {
                let b = p[i]
                if b < 0x80 {
                    i += 1
                    let cls = classes[Int(b)]
                    if cls == ScalarClass.keep.rawValue || cls == ScalarClass.upper.rawValue {
                        // a run of ASCII letters and digits: `| 0x20` lowercases A–Z and leaves a–z, 0–9 alone
                        var j = i
                        while j < n, p[j] < 0x80 {
                            let c = classes[Int(p[j])]
                            guard c == ScalarClass.keep.rawValue || c == ScalarClass.upper.rawValue else { break }
                            j += 1
                        }
                        let length = j - i + 1
                        let room = min(length, max(0, WordPieceTokenizer.maxInputCharsPerWord + 1 - wordChars))
                        for k in 0..<room { word[wordBytes + k] = p[i - 1 + k] | 0x20 }
                        wordBytes += room
                        wordChars += length
                        inRun = false
                        i = j
                    } else if cls == ScalarClass.space.rawValue {
                        flush()
                    } else if cls == ScalarClass.punct.rawValue {
                        if b == 0x5B, let (len, id) = special(p + i - 1, n - i + 1) {
                            flush()
                            output(id)
                            i += len - 1
                        } else {
                            flush()
                            appendASCII(b)
                            flush()
                        }
                    }  // else dropped
                    continue
                }
                // decode one non-ASCII scalar; malformed UTF-8 (possible in a byte buffer) reads as U+FFFD, which
                // clean_text drops anyway
                var cp: UInt32 = 0xFFFD
                if b >= 0xC2 && b < 0xE0 && i + 1 < n && p[i + 1] & 0xC0 == 0x80 {
                    cp = UInt32(b & 0x1F) << 6 | UInt32(p[i + 1] & 0x3F)
                    i += 2
                } else if b >= 0xE0 && b < 0xF0 && i + 2 < n && p[i + 1] & 0xC0 == 0x80 && p[i + 2] & 0xC0 == 0x80 {
                    cp = UInt32(b & 0x0F) << 12 | UInt32(p[i + 1] & 0x3F) << 6 | UInt32(p[i + 2] & 0x3F)
                    if cp < 0x800 { cp = 0xFFFD }  // overlong
                    i += 3
                } else if b >= 0xF0 && b < 0xF5 && i + 3 < n && p[i + 1] & 0xC0 == 0x80 && p[i + 2] & 0xC0 == 0x80
                    && p[i + 3] & 0xC0 == 0x80 {
                    cp = UInt32(b & 0x07) << 18 | UInt32(p[i + 1] & 0x3F) << 12 | UInt32(p[i + 2] & 0x3F) << 6
                        | UInt32(p[i + 3] & 0x3F)
                    if cp < 0x10000 { cp = 0xFFFD }  // overlong
                    i += 4
                } else {
                    i += 1
                }
                let cls = Int(cp) < classes.count ? ScalarClass(rawValue: classes[Int(cp)]) ?? .complex : .complex
                switch cls {
                case .keep:
                    append(cp, ccc: 0)
                case .drop:
                    break
                case .space:
                    flush()
                case .punct, .cjk:
                    flush()
                    append(cp, ccc: 0)
                    flush()
                case .stripStarter:
                    inRun = false
                case .stripMark:
                    break
                case .complex, .upper:
                    general(cp)
                }
            }
            flush()
        }

        /// The special token starting at `p` (which is "["), as (length, id).
        @inline(__always)
        func special(_ p: UnsafePointer<UInt8>, _ n: Int) -> (Int, Int32)? {
            for (s, id) in specials where s.count <= n {
                var ok = true
                for k in 1..<s.count where p[k] != s[k] { ok = false; break }
                if ok { return (s.count, id) }
            }
            return nil
        }

        /// Any scalar, the slow way: clean_text, CJK padding, NFD, Mn stripping, lowercase, then word splitting.
        mutating func general(_ cp: UInt32) {
            guard let u = Unicode.Scalar(cp) else { return }
            if cp >= UnicodeTables.tableLimit {  // (below it, the class table has already ruled these out)
                if UnicodeTables.isDropped(u) { return }
                if UnicodeTables.isSpace(u) { flush(); return }
            }
            let cjk = UnicodeTables.isCJK(cp)
            if cjk { flush() }
            UnicodeTables.forEachDecomposed(cp) { d in
                // the parts of a decomposition are themselves fully decomposed, so their table class still
                // applies, except that clean_text and CJK padding (which come before NFD) are not redone
                let cls = d.value < UnicodeTables.tableLimit ? ScalarClass(rawValue: classes[Int(d.value)]) : nil
                switch cls {
                case .keep?, .cjk?:
                    append(d.value, ccc: 0)
                case .punct?:
                    flush()
                    append(d.value, ccc: 0)
                    flush()
                case .space?:
                    flush()
                case .stripStarter?:
                    inRun = false
                case .stripMark?:
                    break
                default:
                    decomposed(d)
                }
            }
            if cjk { flush() }
        }

        /// Accent stripping, lowercasing and word splitting of one scalar of a decomposition.
        mutating func decomposed(_ d: Unicode.Scalar) {
            let ccc = UInt8(d.properties.canonicalCombiningClass.rawValue)
            if UnicodeTables.isStrippedMark(d) {
                if ccc == 0 { inRun = false }
                return
            }
            UnicodeTables.forEachLowercased(d) { l in
                if UnicodeTables.isSpace(l) {
                    flush()
                } else if UnicodeTables.isPunctuation(l) {
                    flush()
                    append(l.value, ccc: 0)
                    flush()
                } else {
                    append(l.value, ccc: UInt8(l.properties.canonicalCombiningClass.rawValue))
                }
            }
        }

        @inline(__always)
        mutating func appendASCII(_ b: UInt8) {
            if wordChars <= WordPieceTokenizer.maxInputCharsPerWord {
                word[wordBytes] = b
                wordBytes += 1
            }
            wordChars += 1
            inRun = false
        }

        /// Appends a kept scalar to the current word, keeping runs of combining marks in canonical order.
        mutating func append(_ cp: UInt32, ccc: UInt8) {
            defer { wordChars += 1 }
            guard wordChars <= WordPieceTokenizer.maxInputCharsPerWord else { return }
            var enc: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            let len: Int
            if cp < 0x80 {
                enc.0 = UInt8(cp); len = 1
            } else if cp < 0x800 {
                enc.0 = 0xC0 | UInt8(cp >> 6); enc.1 = 0x80 | UInt8(cp & 0x3F); len = 2
            } else if cp < 0x10000 {
                enc.0 = 0xE0 | UInt8(cp >> 12); enc.1 = 0x80 | UInt8((cp >> 6) & 0x3F); enc.2 = 0x80 | UInt8(cp & 0x3F)
                len = 3
            } else {
                enc.0 = 0xF0 | UInt8(cp >> 18); enc.1 = 0x80 | UInt8((cp >> 12) & 0x3F)
                enc.2 = 0x80 | UInt8((cp >> 6) & 0x3F); enc.3 = 0x80 | UInt8(cp & 0x3F); len = 4
            }
            var at = wordBytes
            if ccc == 0 {
                inRun = false
            } else if !inRun {
                inRun = true
                runStart = wordBytes
                lastCCC = ccc
            } else if ccc >= lastCCC {
                lastCCC = ccc
            } else {
                // stable insertion before the first mark of the run with a higher class
                var k = runStart
                while k < wordBytes {
                    let (c, l) = decode(word + k)
                    if UInt8(Unicode.Scalar(c)?.properties.canonicalCombiningClass.rawValue ?? 0) > ccc { break }
                    k += l
                }
                at = k
                memmove(word + at + len, word + at, wordBytes - at)
            }
            withUnsafeBytes(of: enc) { e in
                for j in 0..<len { word[at + j] = e[j] }
            }
            wordBytes += len
        }

        @inline(__always)
        func decode(_ p: UnsafePointer<UInt8>) -> (UInt32, Int) {
            let b = p[0]
            if b < 0x80 { return (UInt32(b), 1) }
            if b < 0xE0 { return (UInt32(b & 0x1F) << 6 | UInt32(p[1] & 0x3F), 2) }
            if b < 0xF0 { return (UInt32(b & 0x0F) << 12 | UInt32(p[1] & 0x3F) << 6 | UInt32(p[2] & 0x3F), 3) }
            return (UInt32(b & 0x07) << 18 | UInt32(p[1] & 0x3F) << 12 | UInt32(p[2] & 0x3F) << 6 | UInt32(p[3] & 0x3F), 4)
        }

        @inline(__always)
        mutating func output(_ id: Int32) {
            guard remaining > 0 else { return }
            emit(id)
            remaining -= 1
        }

        /// WordPiece on the current word.
        mutating func flush() {
            inRun = false
            guard wordChars > 0 else { return }
            defer { wordBytes = 0; wordChars = 0 }
            if wordChars > WordPieceTokenizer.maxInputCharsPerWord { output(unknownID); return }
            let w = UnsafePointer(word)
            let n = wordBytes
            var start = 0
            var count = 0
            while start < n {
                let continuation = start > 0
                let limit = min(n - start, continuation ? maxContinuationBytes : maxInitialBytes)
                var h = continuation ? WordPieceTokenizer.continuationBasis : WordPieceTokenizer.fnvBasis
                // hashes of every prefix ending on a character boundary, longest last
                var k = 0
                for j in 0..<limit {
                    h = WordPieceTokenizer.fnvStep(h, w[start + j])
                    let end = start + j + 1
                    if end == n || w[end] & 0xC0 != 0x80 {
                        prefixHashes[k] = h
                        prefixLengths[k] = j + 1
                        k += 1
                    }
                }
                var found: (Int32, Int)? = nil
                while k > 0 {
                    k -= 1
                    if let id = vocab.lookup(hash: prefixHashes[k], w + start, prefixLengths[k], continuation: continuation) {
                        found = (id, prefixLengths[k])
                        break
                    }
                }
                guard let (id, len) = found else { output(unknownID); return }
                pieces[count] = id
                count += 1
                start += len
            }
            for j in 0..<count { output(pieces[j]) }
        }
    }

}

/// What to do with a scalar, precomputed for U+0000–U+1FFFF.
enum ScalarClass: UInt8 {
    /// An ordinary word character that normalisation leaves alone.
    case keep
    /// Removed by clean_text.
    case drop
    /// White_Space: a word boundary.
    case space
    /// Unchanged by normalisation, a word of its own.
    case punct
    /// A CJK ideograph unchanged by normalisation: a word of its own.
    case cjk
    /// A non-spacing mark removed by accent stripping, of combining class 0 / not 0.
    case stripStarter
    case stripMark
    /// Anything else: decomposes, changes case, or is a kept combining mark.
    case complex
    /// ASCII A–Z (lowercased by setting bit 5).
    case upper
}

/// Unicode properties as HuggingFace's BERT normaliser and pre-tokenizer see them.
enum UnicodeTables {
    struct Data: Sendable {
        let classes: [UInt8]
        /// Canonical (NFD) decompositions, Hangul syllables excepted (decomposed arithmetically).
        let decompositions: [UInt32: [UInt32]]
    }

    static let shared: Data = build()
    static let tableLimit: UInt32 = 0x20000

    /// The `unicode_categories` crate (used by `tokenizers` for Cc/Cf/Co/Cs, P* and Mn) has Unicode 8.0 tables and no
    /// entries for unassigned code points. Categories that changed since 8.0 for characters that existed then (found by
    /// sweeping every code point through both implementations, `wordpiece_check.py --codepoints`):
    static func categoryOverride(_ v: UInt32) -> Unicode.GeneralCategory? {
        switch v {
        case 0x1734: .nonspacingMark  // HANUNOO SIGN PAMUDPOD (Mc since 14.0)
        case 0x111C9: .otherPunctuation  // SHARADA SANDHI MARK (Mn since 11.0)
        case 0x166D: .otherPunctuation  // CANADIAN SYLLABICS CHI SIGN (So since 12.0)
        case 0x1885, 0x1886: .otherLetter  // MONGOLIAN LETTER ALI GALI BALUDA / THREE BALUDA (Mn since 9.0)
        case 0xA9BD: .spacingMark  // JAVANESE CONSONANT SIGN KERET (Mn since 12.0)
        case 0x1171E: .nonspacingMark  // AHOM CONSONANT SIGN MEDIAL RA (Mc since 14.0)
        default: nil
        }
    }

    /// The category `tokenizers` sees; nil for characters it does not know (treated as plain word characters).
    static func crateCategory(_ u: Unicode.Scalar) -> Unicode.GeneralCategory? {
        if let c = categoryOverride(u.value) { return c }
        guard let age = u.properties.age, age.major < 8 || (age.major == 8 && age.minor == 0) else { return nil }
        return u.properties.generalCategory
    }

    /// clean_text removes U+0000, U+FFFD and Cc/Cf/Co/Cs except tab, LF and CR.
    static func isDropped(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v == 0 || v == 0xFFFD { return true }
        if v == 0x09 || v == 0x0A || v == 0x0D { return false }
        switch crateCategory(u) {
        case .control?, .format?, .privateUse?, .surrogate?: return true
        default: return false
        }
    }

    /// Rust's `char::is_whitespace` (White_Space), after clean_text.
    static func isSpace(_ u: Unicode.Scalar) -> Bool {
        u.value == 0x09 || u.value == 0x0A || u.value == 0x0D || u.properties.isWhitespace
    }

    static func isPunctuation(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v < 0x80 {
            return (v >= 33 && v <= 47) || (v >= 58 && v <= 64) || (v >= 91 && v <= 96) || (v >= 123 && v <= 126)
        }
        switch crateCategory(u) {
        case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?,
             .initialPunctuation?, .finalPunctuation?, .otherPunctuation?:
            return true
        default:
            return false
        }
    }

    static func isStrippedMark(_ u: Unicode.Scalar) -> Bool { crateCategory(u) == .nonspacingMark }

    /// The ranges of `tokenizers`' `is_chinese_char` (note 2B920, not 2B820).
    @inline(__always)
    static func isCJK(_ v: UInt32) -> Bool {
        (v >= 0x4E00 && v <= 0x9FFF) || (v >= 0x3400 && v <= 0x4DBF) || (v >= 0x20000 && v <= 0x2A6DF)
            || (v >= 0x2A700 && v <= 0x2B73F) || (v >= 0x2B740 && v <= 0x2B81F) || (v >= 0x2B920 && v <= 0x2CEAF)
            || (v >= 0xF900 && v <= 0xFAFF) || (v >= 0x2F800 && v <= 0x2FA1F)
    }

    static func forEachDecomposed(_ cp: UInt32, _ body: (Unicode.Scalar) -> Void) {
        if cp >= 0xAC00 && cp <= 0xD7A3 {
            let s = cp - 0xAC00
            body(Unicode.Scalar(0x1100 + s / 588)!)
            body(Unicode.Scalar(0x1161 + (s % 588) / 28)!)
            if s % 28 != 0 { body(Unicode.Scalar(0x11A7 + s % 28)!) }
        } else if let d = shared.decompositions[cp] {
            for x in d { body(Unicode.Scalar(x)!) }
        } else if let u = Unicode.Scalar(cp) {
            body(u)
        }
    }

    static func forEachLowercased(_ u: Unicode.Scalar, _ body: (Unicode.Scalar) -> Void) {
        if u.properties.changesWhenLowercased {
            for l in u.properties.lowercaseMapping.unicodeScalars { body(l) }
        } else {
            body(u)
        }
    }

    static func build() -> Data {
        // Canonical decompositions, found by decomposing every assigned scalar at once (each followed by a
        // newline, a starter, so that canonical reordering cannot move anything across scalars).
        var all = String.UnicodeScalarView()
        var listed: [UInt32] = []
        for v in UInt32(0xC0)...0x2FFFF {
            if (v >= 0xAC00 && v <= 0xD7A3) || (v >= 0xD800 && v <= 0xDFFF) { continue }
            // unified ideographs never decompose (only the compatibility ones, F900–FAFF and 2F800–2FA1F, do)
            if (v >= 0x3400 && v <= 0x9FFF) || (v >= 0x20000 && (v < 0x2F800 || v > 0x2FA1F)) { continue }
            guard let u = Unicode.Scalar(v), u.properties.age != nil else { continue }
            switch u.properties.generalCategory {
            case .privateUse, .surrogate, .unassigned: continue
            default: break
            }
            all.append(u)
            all.append("\n")
            listed.append(v)
        }
        let nfd = String(all).decomposedStringWithCanonicalMapping
        var decompositions: [UInt32: [UInt32]] = [:]
        var k = 0
        var current: [UInt32] = []
        for s in nfd.unicodeScalars {
            if s == "\n" {
                if k < listed.count, current != [listed[k]] { decompositions[listed[k]] = current }
                k += 1
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(s.value)
            }
        }
        if k != listed.count { decompositions = [:] }  // should not happen; every character would look plain

        var classes = [UInt8](repeating: ScalarClass.complex.rawValue, count: Int(tableLimit))
        for v in UInt32(0)..<tableLimit {
            guard let u = Unicode.Scalar(v) else { continue }
            classes[Int(v)] = classify(u, decompositions: decompositions).rawValue
        }
        return Data(classes: classes, decompositions: decompositions)
    }

    static func classify(_ u: Unicode.Scalar, decompositions: [UInt32: [UInt32]]) -> ScalarClass {
        let v = u.value
        if v < 0x80 {
            if isDropped(u) { return .drop }
            if isSpace(u) { return .space }
            if v >= 0x41 && v <= 0x5A { return .upper }
            return isPunctuation(u) ? .punct : .keep  // letters, digits
        }
        if v == 0xFFFD { return .drop }
        let category = crateCategory(u)
        switch category {
        case .control?, .format?, .privateUse?, .surrogate?: return .drop
        default: break
        }
        if u.properties.isWhitespace { return .space }
        if decompositions[v] != nil || (v >= 0xAC00 && v <= 0xD7A3) { return .complex }
        let ccc = u.properties.canonicalCombiningClass.rawValue
        if category == .nonspacingMark { return ccc == 0 ? .stripStarter : .stripMark }
        if ccc != 0 || u.properties.changesWhenLowercased { return .complex }
        if isCJK(v) { return .cjk }
        switch category {
        case .connectorPunctuation?, .dashPunctuation?, .openPunctuation?, .closePunctuation?,
             .initialPunctuation?, .finalPunctuation?, .otherPunctuation?:
            return .punct
        default:
            return .keep
        }
    }
}
