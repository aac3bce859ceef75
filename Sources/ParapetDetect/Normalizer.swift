import Foundation
import ParapetCore

/// Turns raw message text into what detectors read. See `NormalizedText`.
///
/// Steps: cut to the analysis cap (head and tail kept); drop invisible / format characters (counted) and decode
/// Unicode tag characters (ASCII smuggling); NFKC and lower-case (skipped for pure ASCII, where both are trivial);
/// fold homoglyphs (`Resources/normalization/confusables.tsv`); fold leetspeak inside tokens that mix letters and
/// digits/symbols (a whole second pass for text written in leetspeak); drop combining marks left after NFKC (Zalgo);
/// collapse whitespace runs; then find embedded encodings (base64, base32, hex, URL %-encoding) and letter transforms
/// (Caesar / ROT13, Atbash, reversed text, Morse, binary, Braille: `CipherDecoders.swift`), decode the plausible ones
/// and normalise them again, depth-limited.
public struct Normalizer: Sendable {
    /// Longest text analysed; longer content is cut (head and tail kept) and flagged as truncated.
    public var maxAnalyzedBytes: Int
    /// How deep decoded payloads are decoded again (base64 inside base64 ...).
    public var maxDecodeDepth: Int = 2
    /// At most this many decoded payloads are kept per message.
    public var maxPayloads: Int = 8
    /// Shortest encoded run considered (characters).
    public var minEncodedLength: Int = 16

    public init(maxAnalyzedBytes: Int = 64 * 1024) {
        self.maxAnalyzedBytes = maxAnalyzedBytes
    }

    /// `userPrompt`: also undo the prompt-only transforms: quoted fragments the prompt tells the model to join
    /// (payload splitting) and letter-spaced words. Only for user prompts: answers and documents (code above all)
    /// quote a lot, and spell out letters, for other reasons.
    public func normalize(_ raw: String, userPrompt: Bool = true) -> NormalizedText {
        var original = raw
        var truncated = false
        if raw.utf8.count > maxAnalyzedBytes {
            // Keep the head and the tail: injections hide at either end of long documents.
            let head = raw.utf8.prefix(maxAnalyzedBytes * 3 / 4)
            let tail = raw.utf8.suffix(maxAnalyzedBytes / 4)
            original = String(decoding: head, as: UTF8.self) + "\n…\n" + String(decoding: tail, as: UTF8.self)
            truncated = true
        }
        var invisible = 0
        var smuggled = [UInt8]()
        let folded = foldText(original, invisible: &invisible, smuggled: &smuggled)
        var n = NormalizedText(original: original, text: folded)
        n.invisibleCount = invisible
        n.truncated = truncated
        if !smuggled.isEmpty { n.smuggledText = String(decoding: smuggled, as: UTF8.self).lowercased() }
        if maxDecodeDepth > 0 {
            var payloads: [DecodedPayload] = []
            decodePayloads(in: original, depth: 1, userPrompt: userPrompt, into: &payloads)
            n.decodedPayloads = payloads
        }
        return n
    }

    /// Normalise without looking for encodings (used for rule phrases and decoded payloads).
    public func fold(_ text: String) -> String {
        var inv = 0
        var sm = [UInt8]()
        return foldText(text, invisible: &inv, smuggled: &sm)
    }

    // MARK: - Folding

    func foldText(_ text: String, invisible: inout Int, smuggled: inout [UInt8]) -> String {
        // ASCII check and lower-casing over the contiguous UTF-8 buffer: iterating `String.UTF8View` and indexing an
        // array per byte (a uniqueness check each time) cost about 40 instructions a byte. ASCII text (most messages)
        // is lower-cased and folded in the new string's own buffer: one allocation, no intermediate byte array.
        var source = text
        let ascii: String? = source.withUTF8 { u in
            guard Self.isASCII(u) else { return nil }
            guard u.count > 0 else { return "" }
            return String(unsafeUninitializedCapacity: u.count) { out in
                for i in 0..<u.count {
                    let c = u[i]
                    out[i] = c &- 0x41 < 26 ? c | 0x20 : c
                }
                return Self.foldLeetAndSpace(UnsafeMutableBufferPointer(rebasing: out[0..<u.count]))
            }
        }
        if let ascii { return ascii }
        var kept = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            let v = s.value
            if v >= 0xE0000 && v <= 0xE007F {
                invisible += 1
                if v >= 0xE0020 && v <= 0xE007E { smuggled.append(UInt8(v - 0xE0000)) }
                continue
            }
            if v < 0x80 {
                kept.append(s)
                continue
            }
            if Self.isInvisible(s) {
                invisible += 1
                continue
            }
            kept.append(s)
        }
        var leftover = 0
        var bytes = Self.asciiFolded(String(kept).precomposedStringWithCompatibilityMapping.lowercased(),
                                     invisible: &invisible, leftoverMarks: &leftover)
        if leftover >= 3 {
            // Marks stacked over letters ("Zalgo"): some composed with their letter under NFKC (o + horn -> ơ),
            // so decompose, drop every combining diacritic, and fold again.
            let bare = String(kept).decomposedStringWithCompatibilityMapping.unicodeScalars
                .filter { !Self.isLeftoverDiacritic($0.value) }
            var ignored = 0
            bytes = Self.asciiFolded(String(String.UnicodeScalarView(bare)).precomposedStringWithCompatibilityMapping.lowercased(),
                                     invisible: &ignored, leftoverMarks: &leftover)
        }
        Self.foldLeetAndSpace(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// No byte >= 0x80: eight bytes at a time (one OR and test per word instead of a compare per byte).
    static func isASCII(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = u.baseAddress else { return true }
        let n = u.count
        var i = 0
        var acc: UInt64 = 0
        let raw = UnsafeRawPointer(base)
        while i + 8 <= n {
            acc |= raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < n {
            acc |= UInt64(base[i])
            i += 1
        }
        return acc & 0x8080_8080_8080_8080 == 0
    }

    /// Words (runs of non-space bytes) in normalised text, counting no further than `limit` ("fewer than N?" needs
    /// no full pass). Used by the short-message rule of the classifier and by rules with `max_words`.
    static func wordCount(_ t: String, limit: Int = .max) -> Int { wordCount(t.utf8, limit: limit) }

    /// The same over raw bytes (any ASCII whitespace separates), for the prompt-only repairs.
    static func wordCount<Bytes: Sequence>(_ bytes: Bytes, limit: Int = .max) -> Int where Bytes.Element == UInt8 {
        var n = 0, inWord = false
        for b in bytes {
            let w = !isSpace(b)
            if w && !inWord {
                n += 1
                if n >= limit { return n }
            }
            inWord = w
        }
        return n
    }

    @inline(__always) static func isLetter(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7A) }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C }

    /// Leetspeak substitute for a digit or symbol, or 0.
    @inline(__always) static func leet(_ b: UInt8) -> UInt8 {
        switch b {
        case 0x30: return 0x6F  // 0 -> o
        case 0x31: return 0x69  // 1 -> i
        case 0x33: return 0x65  // 3 -> e
        case 0x34: return 0x61  // 4 -> a
        case 0x35: return 0x73  // 5 -> s
        case 0x37: return 0x74  // 7 -> t
        case 0x38: return 0x62  // 8 -> b
        case 0x40: return 0x61  // @ -> a
        case 0x24: return 0x73  // $ -> s
        case 0x21: return 0x69  // ! -> i
        case 0x7C: return 0x6C  // | -> l
        default: return 0
        }
    }

    /// In place: collapse whitespace runs (to one newline if the run had one, else one space) and fold
    /// leetspeak in tokens where a digit/symbol sits between two letters (`1gn0re`, `h4ck`), so that
    /// numbers, versions and `gpt4` stay as they are.
    ///
    /// A text written mostly in leetspeak (PyRIT's and garak's converters rewrite every letter they can, one-letter
    /// words included) gets a second pass that also folds the tokens with only one letter or none beside their
    /// digits (`d0`, `4t`, a lone `1` or `4`): at least 3 tokens mixing letters with leet digits or symbols, and at
    /// least half of all tokens. Ordinary text with versions, prices and model names stays below; the counts come
    /// from the first pass, so other texts pay nothing for the check.
    static func foldLeetAndSpace(_ bytes: inout [UInt8]) {
        let kept = bytes.withUnsafeMutableBufferPointer { foldLeetAndSpace($0) }
        bytes.removeSubrange(kept..<bytes.count)
    }

    /// The same in place over a buffer; returns the length of the folded text (at the start of the buffer).
    static func foldLeetAndSpace(_ b: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let first = foldPass(b, dense: false)
        if first.mixed >= 3 && first.mixed * 2 >= first.tokens {
            return foldPass(UnsafeMutableBufferPointer(rebasing: b[0..<first.kept]), dense: true).kept
        }
        return first.kept
    }

    /// One folding pass in place; returns the number of tokens, of tokens that mix letters and leet characters, and
    /// the length kept.
    ///
    /// Tokens and whitespace runs alternate, so each is its own loop over the class table: a token's letters and
    /// other bytes take one compare and one add (`FoldClass` other 0, letter 1), and whitespace is found by the
    /// table instead of six compares per byte (21 -> about 12 instructions a byte).
    static func foldPass(_ b: UnsafeMutableBufferPointer<UInt8>, dense: Bool) -> (tokens: Int, mixed: Int, kept: Int) {
        let n = b.count
        var tokens = 0, mixed = 0
        let kept = foldClasses.withUnsafeBufferPointer { cls -> Int in
        @inline(__always) func isLetterAt(_ j: Int) -> Bool { cls[Int(b[j])] == FoldClass.letter }
        @inline(__always) func isLeetAt(_ j: Int) -> Bool { cls[Int(b[j])] == FoldClass.leet }
        @inline(__always) func isSpaceAt(_ j: Int) -> Bool { cls[Int(b[j])] == FoldClass.space }
        var out = 0
        var i = 0
        // trim leading whitespace
        while i < n && isSpaceAt(i) { i &+= 1 }
        if !dense && i == 0 && n > 0 {
            // Fast prefix for prose: while tokens have no leet character and are parted by one space or newline
            // (which the pass keeps as it is), nothing moves or folds and only tokens are counted. Anything else
            // (a leet character, a whitespace run, a tab, whitespace at the end) hands over to the full loop at the
            // start of its token.
            var tokenStart = 0
            var j = 0
            while j < n {
                let k = cls[Int(b[j])]
                if k < FoldClass.leet {
                    j &+= 1
                    continue
                }
                let c = b[j]
                guard k == FoldClass.space, c == 0x20 || c == 0x0A, j + 1 < n, !isSpaceAt(j + 1) else { break }
                tokens &+= 1
                j &+= 1
                tokenStart = j
            }
            if j == n {
                tokens &+= 1  // the last token
                return n
            }
            i = tokenStart
            out = tokenStart
        }
        while i < n {
            // a token (b[i] is not whitespace): up to whitespace
            let start = i
            var letters = 0
            var leets = 0
            var interior = false
            while i < n {
                let k = cls[Int(b[i])]
                if k < FoldClass.leet {
                    letters &+= Int(k)  // letter 1, anything else 0
                    i &+= 1
                    continue
                }
                if k == FoldClass.space { break }
                leets += 1
                if letters > 0, i + 1 < n, isLetterAt(i + 1) || (isLeetAt(i + 1) && i + 2 < n && isLetterAt(i + 2)) {
                    interior = true
                }
                i &+= 1
            }
            tokens += 1
            if letters > 0 && leets > 0 { mixed += 1 }
            let fold = (interior && letters >= 2) || (dense && (letters >= 1 || i - start == 1))
            if !fold {
                // most tokens: moved down over collapsed whitespace, or left where they are
                if out != start {
                    for j in start..<i {
                        b[out] = b[j]
                        out += 1
                    }
                } else {
                    out = i
                }
            } else {
                for j in start..<i {
                    var x = b[j]
                    if letters == 0 {
                        // a lone "1" or "4" in a leetspeak text is the word "i" or "a"
                        if x == 0x31 { x = 0x69 } else if x == 0x34 { x = 0x61 }
                    } else {
                        let l = leet(x)
                        // keep a trailing '!' and the like as punctuation: only fold when a letter follows somewhere
                        if l != 0 && (j + 1 < i) && (isLetter(b[j + 1]) || leet(b[j + 1]) != 0) { x = l }
                        else if l != 0 && j > start && isLetter(b[j - 1]) && x != 0x21 && x != 0x24 && x != 0x40 { x = l }
                    }
                    b[out] = x
                    out += 1
                }
            }
            // the whitespace run after it (if any): one newline if it had one, else one space; none at the end
            var nl = false
            while i < n && isSpaceAt(i) {
                if b[i] == 0x0A { nl = true }
                i &+= 1
            }
            if i < n {
                b[out] = nl ? 0x0A : 0x20
                out += 1
            }
        }
        return out
        }
        return (tokens, mixed, kept)
    }

    /// Byte classes of the folding pass (`isSpace`, `isLetter`, `leet(_:) != 0`, anything else).
    enum FoldClass {
        static var other: UInt8 { 0 }
        static var letter: UInt8 { 1 }
        static var leet: UInt8 { 2 }
        static var space: UInt8 { 3 }
    }

    static let foldClasses: [UInt8] = (0..<256).map { i in
        let b = UInt8(i)
        return isSpace(b) ? FoldClass.space : isLetter(b) ? FoldClass.letter : leet(b) != 0 ? FoldClass.leet : FoldClass.other
    }

    /// UTF-8 of NFKC-lower-cased text with homoglyphs folded to ASCII, invisible characters dropped (counted) and
    /// combining marks that NFKC left uncomposed dropped (counted in `leftoverMarks`).
    static func asciiFolded(_ nfkc: String, invisible: inout Int, leftoverMarks: inout Int) -> [UInt8] {
        let table = Confusables.shared
        var bytes: [UInt8] = []
        bytes.reserveCapacity(nfkc.utf8.count)
        for s in nfkc.unicodeScalars {
            if s.value < 0x80 {
                bytes.append(UInt8(s.value))
            } else if let r = table.map[s.value] {
                bytes.append(r)
            } else if isInvisible(s) {
                invisible += 1
            } else if isLeftoverDiacritic(s.value) {
                leftoverMarks += 1
            } else if s.properties.isWhitespace {
                bytes.append(0x20)
            } else {
                bytes.append(contentsOf: String(s).utf8)
            }
        }
        return bytes
    }

    /// Combining diacritical marks (U+0300 block and its supplements, marks for symbols, half marks). Accented Latin
    /// letters are precomposed by NFKC, so what is left are marks stacked to break up words.
    @inline(__always) static func isLeftoverDiacritic(_ v: UInt32) -> Bool {
        (v >= 0x0300 && v <= 0x036F) || (v >= 0x1AB0 && v <= 0x1AFF) || (v >= 0x1DC0 && v <= 0x1DFF)
            || (v >= 0x20D0 && v <= 0x20FF) || (v >= 0xFE20 && v <= 0xFE2F)
    }

    // MARK: - Embedded encodings

    func decodePayloads(in text: String, depth: Int, userPrompt: Bool = false, into out: inout [DecodedPayload]) {
        guard depth <= maxDecodeDepth, out.count < maxPayloads else { return }
        let bytes = Array(text.utf8)
        var found: [(DecodedPayload.Encoding, [UInt8])] = []
        scanRuns(bytes, found: &found)
        if let u = Self.urlDecodeIfDense(bytes) { found.append((.url, u)) }
        Self.cipherCandidates(bytes, into: &found, limit: maxPayloads)
        if userPrompt {
            Self.splitPayloadCandidates(bytes, into: &found, limit: maxPayloads)
            Self.spacedLetterCandidates(bytes, into: &found, limit: maxPayloads)
            Self.wordRepairCandidates(bytes, into: &found, limit: maxPayloads)
        }
        for (enc, decoded) in found {
            guard out.count < maxPayloads else { return }
            let s = String(decoding: decoded, as: UTF8.self)
            out.append(DecodedPayload(encoding: enc, text: fold(s), depth: depth))
            // encodings nest (base64 of hex ...); the letter transforms of CipherDecoders do not
            if enc == .base64 || enc == .base32 || enc == .hex || enc == .url { decodePayloads(in: s, depth: depth + 1, into: &out) }
        }
    }

    /// Finds base64 and hex runs (length floors, printable-ratio checks on the decoded bytes).
    func scanRuns(_ b: [UInt8], found: inout [(DecodedPayload.Encoding, [UInt8])]) {
        let runs = b.withUnsafeBufferPointer { Self.base64Runs($0, minLength: minEncodedLength) }
        for r in runs {
            var hexOnly = true
            var hasLower = false, hasUpper = false, hasDigit = false
            for c in b[r] {
                if !Self.isHex(c) { hexOnly = false }
                if c >= 0x61 && c <= 0x7A { hasLower = true } else if c >= 0x41 && c <= 0x5A { hasUpper = true } else if c >= 0x30 && c <= 0x39 { hasDigit = true }
            }
            let len = r.count
            let run = b[r]
            if hexOnly && len % 2 == 0 && hasDigit {
                if let d = Self.hexDecode(run), Self.plausibleText(d) { found.append((.hex, d)) }
            } else if !hasLower && hasUpper && run.allSatisfy(Self.isBase32) {
                if let d = Self.base32Decode(run), Self.plausibleText(d) { found.append((.base32, d)) }
            } else if hasLower && hasUpper && hasDigit || (len >= 24 && hasLower && hasUpper) {
                if let d = Self.base64Decode(run), d.count >= 8, Self.plausibleText(d) { found.append((.base64, d)) }
            }
            if found.count >= maxPayloads { return }
        }
    }

    /// Runs of base64-alphabet bytes (and '=' padding after the first) at least `minLength` long: each stretch of
    /// alphabet or '=' bytes, less its leading '=', is a run. Only a stretch that reaches `minLength` bytes past a
    /// point can hold a run, so the pass looks `minLength - 1` bytes ahead and jumps past that byte when it is not
    /// in the alphabet; in prose it reads about one word in three instead of every byte (15 -> about 4 instructions
    /// a byte).
    static func base64Runs(_ p: UnsafeBufferPointer<UInt8>, minLength: Int) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        let n = p.count
        let reach = max(minLength, 1) - 1
        b64OrPadTable.withUnsafeBufferPointer { t in
            // no stretch crosses i - 1 / i (i is 0, or byte i - 1 is not in a stretch)
            var i = 0
            while i + reach < n {
                let probe = i + reach
                guard t[Int(p[probe])] else {
                    i = probe + 1
                    continue
                }
                var start = probe
                while start > i && t[Int(p[start - 1])] { start -= 1 }
                var end = probe + 1
                while end < n && t[Int(p[end])] { end += 1 }
                while start < end && p[start] == 0x3D { start += 1 }
                if end - start >= max(minLength, 1) { runs.append(start..<end) }
                i = end + 1
            }
        }
        return runs
    }

    /// The base64 alphabet and '='.
    static let b64OrPadTable: [Bool] = (0..<256).map { isB64(UInt8($0)) || $0 == 0x3D }

    @inline(__always) static func isB64(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2B || c == 0x2F
            || c == 0x2D || c == 0x5F
    }
    @inline(__always) static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }

    /// Mostly printable text with some letters and at least one space (or a long word): not binary, not a hash.
    static func plausibleText(_ d: [UInt8]) -> Bool {
        guard d.count >= 6 else { return false }
        var printable = 0, letters = 0, spaces = 0
        for c in d {
            if c == 0x20 { spaces += 1 }
            if (c >= 0x20 && c < 0x7F) || c == 0x0A || c == 0x09 || c == 0x0D { printable += 1 }
            if (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A { letters += 1 }
        }
        let n = Double(d.count)
        return Double(printable) / n >= 0.95 && Double(letters) / n >= 0.5 && (spaces > 0 || d.count <= 24)
    }

    @inline(__always) static func isBase32(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x32 && c <= 0x37) || c == 0x3D }

    /// RFC 4648 base32 (A-Z, 2-7, '=' padding).
    static func base32Decode(_ run: ArraySlice<UInt8>) -> [UInt8]? {
        decodeBits(run, bitsPerSymbol: 5) { c in
            switch c {
            case 0x41...0x5A: UInt32(c - 0x41)
            case 0x32...0x37: UInt32(c - 0x32 + 26)
            default: nil
            }
        }
    }

    /// Symbols of `bitsPerSymbol` bits each, packed into bytes ('=' padding skipped); nil on a foreign symbol.
    @inline(__always)
    static func decodeBits(_ run: ArraySlice<UInt8>, bitsPerSymbol: Int, _ value: (UInt8) -> UInt32?) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(run.count * bitsPerSymbol / 8)
        var acc: UInt32 = 0
        var bits = 0
        for c in run where c != 0x3D {
            guard let v = value(c) else { return nil }
            acc = (acc << UInt32(bitsPerSymbol)) | v
            bits += bitsPerSymbol
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
                acc &= (1 << UInt32(bits)) - 1
            }
        }
        return out
    }

    static func hexDecode(_ run: ArraySlice<UInt8>) -> [UInt8]? {
        func v(_ c: UInt8) -> UInt8 {
            if c <= 0x39 { return c - 0x30 }
            return (c | 0x20) - 0x61 + 10
        }
        var out = [UInt8]()
        out.reserveCapacity(run.count / 2)
        var i = run.startIndex
        while i + 1 < run.endIndex {
            out.append(v(run[i]) << 4 | v(run[i + 1]))
            i += 2
        }
        return out
    }

    static func base64Decode(_ run: ArraySlice<UInt8>) -> [UInt8]? {
        decodeBits(run, bitsPerSymbol: 6) { c in
            switch c {
            case 0x41...0x5A: UInt32(c - 0x41)
            case 0x61...0x7A: UInt32(c - 0x61 + 26)
            case 0x30...0x39: UInt32(c - 0x30 + 52)
            case 0x2B, 0x2D: 62
            case 0x2F, 0x5F: 63
            default: nil
            }
        }
    }

    /// Decodes %XX escapes when there are at least 4 of them and they make up much of a run.
    static func urlDecodeIfDense(_ b: [UInt8]) -> [UInt8]? {
        // most texts have no '%' at all: one memchr instead of the byte loop below
        guard b.withUnsafeBufferPointer({ p in p.baseAddress.map { memchr($0, 0x25, p.count) != nil } ?? false }) else { return nil }
        var count = 0
        var i = 0
        while i + 2 < b.count {
            if b[i] == 0x25 && isHex(b[i + 1]) && isHex(b[i + 2]) {
                count += 1
                i += 3
            } else {
                i += 1
            }
        }
        guard count >= 4 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        i = 0
        while i < b.count {
            if b[i] == 0x25, i + 2 < b.count, isHex(b[i + 1]), isHex(b[i + 2]),
               let d = hexDecode(b[(i + 1)...(i + 2)]) {
                out.append(d[0])
                i += 3
            } else {
                out.append(b[i] == 0x2B ? 0x20 : b[i])
                i += 1
            }
        }
        return plausibleText(out) ? out : nil
    }

    static let commonWords: Set<String> = [
        "the", "and", "you", "to", "of", "a", "is", "in", "it", "that", "for", "are", "be", "this", "with", "how",
        "what", "your", "all", "me", "my", "i", "on", "not", "do", "can", "now", "ignore", "tell", "make",
        "where", "who", "why", "when", "which", "any", "some", "from", "have", "has", "was", "were", "will", "would",
        "could", "should", "they", "them", "he", "she", "his", "her", "we", "our", "if", "or", "but", "at", "by",
        "an", "as", "so", "no", "up", "out", "about", "into", "get", "give", "write", "steps", "step", "please",
    ]

    @inline(__always) static func wordHash(_ w: some Sequence<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in w { h = (h ^ UInt64(c)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    static let commonHashes: Set<UInt64> = Set(commonWords.map { wordHash($0.utf8) })

    /// (words, common English words) without allocating: words are hashed on the fly.
    static func wordStats(_ b: [UInt8]) -> (Int, Int) {
        var words = 0, common = 0
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var len = 0
        for c in b {
            let l = c | 0x20
            if l >= 0x61 && l <= 0x7A {
                h = (h ^ UInt64(l)) &* 0x0000_0100_0000_01b3
                len += 1
            } else if len > 0 {
                words += 1
                if len <= 6 && commonHashes.contains(h) { common += 1 }
                h = 0xcbf2_9ce4_8422_2325
                len = 0
                if words > 400 { break }
            }
        }
        if len > 0 {
            words += 1
            if len <= 6 && commonHashes.contains(h) { common += 1 }
        }
        return (words, common)
    }

    static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v == 0x200B || v == 0x200C || v == 0x200D || v == 0x2060 || v == 0xFEFF || v == 0x00AD { return true }
        if (0xFE00...0xFE0F).contains(v) || (0xE0100...0xE01EF).contains(v) { return true }
        switch s.properties.generalCategory {
        case .format, .privateUse, .unassigned: return true
        default: return false
        }
    }
}

/// The homoglyph table (`Resources/normalization/confusables.tsv`): code point -> ASCII byte.
struct Confusables: Sendable {
    let map: [UInt32: UInt8]

    static let shared: Confusables = {
        guard let url = Bundle.module.url(forResource: "Resources/normalization/confusables", withExtension: "tsv"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else { return Confusables(map: [:]) }
        return Confusables(parsing: text)
    }()

    init(map: [UInt32: UInt8]) { self.map = map }

    init(parsing text: String) {
        var m: [UInt32: UInt8] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count == 2, let cp = UInt32(parts[0], radix: 16), let r = parts[1].utf8.first, parts[1].utf8.count == 1
            else { continue }
            m[cp] = r
        }
        map = m
    }
}
