/// Decoders for the text transforms that jailbreak tooling applies to a request (PyRIT's and garak's converters):
/// Caesar shifts (ROT13 included) and Atbash, reversed text, Morse code, 8-bit binary and Braille.
///
/// One pass over the bytes splits the text into segments (at newlines, quotes, colons and sentence ends) and counts,
/// per segment, its letters, how many of them are e/t/a/o/i/n/s/h, Morse marks, binary digits and backwards-written
/// common words, so that an English preamble ("Reply in ROT13: ...") does not hide the encoded part. Only segments whose statistics say "not English, but could be" are decoded, and a decoded
/// segment is kept only when it reads as English (common-word share) or as printable text. Ordinary messages pay
/// for the pass only (no allocation, no decoding).
extension Normalizer {
    // computed constants rather than stored globals: the scan loop compares against them for every byte
    // Letters are 0-25; the classes below `firstSpecial` (letters, spaces, slashes, other bytes) only update the
    // counts, so the scan's common path is one compare.
    enum CipherClass {
        static var space: UInt8 { 26 }
        static var slash: UInt8 { 27 }
        static var other: UInt8 { 28 }
        static var firstSpecial: UInt8 { 29 }
        static var dot: UInt8 { 29 }
        static var dash: UInt8 { 30 }
        static var zero: UInt8 { 31 }
        static var one: UInt8 { 32 }
        static var delimiter: UInt8 { 33 }
        static var sentenceEnd: UInt8 { 34 }
        static var brailleLead: UInt8 { 35 }
    }

    /// Byte -> class: 0-25 a letter (either case), else one of `CipherClass`.
    static let cipherClasses: [UInt8] = {
        var t = [UInt8](repeating: CipherClass.other, count: 256)
        for c in 0..<26 {
            t[0x61 + c] = UInt8(c)
            t[0x41 + c] = UInt8(c)
        }
        t[0x2E] = CipherClass.dot
        t[0x2D] = CipherClass.dash
        t[0x30] = CipherClass.zero
        t[0x31] = CipherClass.one
        for s in [0x20, 0x09, 0x0D] { t[s] = CipherClass.space }
        t[0x2F] = CipherClass.slash
        for d in [0x0A, 0x22, 0x27, 0x3A, 0x60] { t[d] = CipherClass.delimiter }  // newline " ' : `
        for e in [0x3F, 0x21] { t[e] = CipherClass.sentenceEnd }                // ? !
        t[0xE2] = CipherClass.brailleLead
        return t
    }()

    /// e t a o i n s h: about 65 % of the letters of English text, about 30 % of a shifted one.
    static let englishTop: [Int] = [4, 19, 0, 14, 8, 13, 18, 7]

    /// 1 for the bytes of e t a o i n s h (either case).
    static let englishTopBytes: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for l in englishTop {
            t[0x61 + l] = 1
            t[0x41 + l] = 1
        }
        return t
    }()

    /// "the", "you", "how", "can", "and", "for" written backwards, as three lower-cased bytes, by their last byte
    /// (all different); no three bytes equal 0xFFFFFFFF.
    static let reversedWordByLast: [UInt32] = {
        var t = [UInt32](repeating: .max, count: 256)
        for w: UInt32 in [0x65_6874, 0x75_6F79, 0x77_6F68, 0x6E_6163, 0x64_6E61, 0x72_6F66] { t[Int(w & 0xFF)] = w }
        return t
    }()

    struct CipherSegment: Equatable {
        var range: Range<Int>
        var letters = 0, marks = 0, bits = 0, reversedWords = 0
    }

    /// Byte -> what the scan's common path adds: 1 for a letter in the low 32 bits, 1 for e t a o i n s h in the high
    /// 32 bits (one add counts both); a byte of a class from `firstSpecial` on has only the top bit set instead (the
    /// scan adds it too and masks it off).
    static let cipherCounts: [UInt64] = (0..<256).map { b in
        if cipherClasses[b] >= CipherClass.firstSpecial { return 1 << 63 }
        return (cipherClasses[b] < 26 ? 1 : 0) | UInt64(englishTopBytes[b]) << 32
    }

    /// Appends the decoded segments (at most `limit`) to `found`.
    static func cipherCandidates(_ b: [UInt8], into found: inout [(DecodedPayload.Encoding, [UInt8])], limit: Int) {
        guard b.count >= 12 else { return }
        var candidates: [CipherSegment] = []
        let braille = b.withUnsafeBufferPointer { scanSegments($0, into: &candidates) }
        for seg in candidates where found.count < limit {
            let text = Array(b[seg.range])
            if let d = decodeShifted(text, seg) {
                found.append(d)
            } else if seg.reversedWords >= 1, let d = decodeReversed(text) {
                found.append((.reversed, d))
            } else if seg.marks >= 12, let d = decodeMorse(text) {
                found.append((.morse, d))
            } else if seg.bits >= 32, let d = decodeBinary(text) {
                found.append((.binary, d))
            }
        }
        if braille >= 6, found.count < limit, let d = decodeBraille(b) { found.append((.braille, d)) }
    }

    static func scanSegments(_ p: UnsafeBufferPointer<UInt8>, into candidates: inout [CipherSegment]) -> Int {
        cipherClasses.withUnsafeBufferPointer { cls in
            cipherCounts.withUnsafeBufferPointer { cnt in
                reversedWordByLast.withUnsafeBufferPointer { rev in
                    scanSegments(p, cls, cnt, rev, into: &candidates)
                }
            }
        }
    }

    /// The pass: segments worth decoding go to `candidates` (at most 8); returns the number of Braille cells.
    /// Per letter it only counts (letters, and those among e t a o i n s h): a histogram here cost more than the
    /// rest of the pass, so it is built later for the rare candidate segments.
    /// The common path (letters, spaces, other bytes) is an inner loop of one table load, one add of both counts and
    /// the reversed-word check (26 -> about 15 instructions a byte): the end of the text leaves that loop instead of
    /// being a newline read in it, and the byte before a dot is read again at the dot instead of kept for every byte.
    static func scanSegments(_ p: UnsafeBufferPointer<UInt8>, _ cls: UnsafeBufferPointer<UInt8>, _ cnt: UnsafeBufferPointer<UInt64>,
                             _ rev: UnsafeBufferPointer<UInt32>, into candidates: inout [CipherSegment]) -> Int {
        var counts: UInt64 = 0  // letters in the low 32 bits, e t a o i n s h among them in the high 32
        var marks = 0, bits = 0, reversedWords = 0
        var start = 0
        var braille = 0
        let n = p.count
        // The last three bytes, lower-cased (zero bytes before the text, so nothing matches before the third byte).
        var last3: UInt32 = 0
        var i = 0
        while true {
            while i < n {
                let b = p[i]
                let k = cnt[Int(b)]
                let lower = b | 0x20
                last3 = (last3 << 8 | UInt32(lower)) & 0xFF_FFFF
                // Added before the test, so that the exit needs no copy of the counts before them: a special byte
                // only flips the top bit of `counts` (masked off when read), and no special byte ends a reversed word
                // (their table entries are all ones). A backwards-written common word (three letters, so this byte
                // is a letter after a letter) is looked up by its last byte.
                counts &+= k
                reversedWords &+= rev[Int(lower)] == last3 ? 1 : 0
                if k >= 1 << 63 { break }
                i &+= 1
            }
            // a newline after the text ends the last segment
            let c = i < n ? cls[Int(p[i])] : CipherClass.delimiter
            var end = false
            switch c {
            case CipherClass.dot:
                // a full stop after a word ends a sentence; dots after dots, dashes or spaces are Morse
                if i > 0 && cls[Int(p[i - 1])] < 26 { end = true } else { marks &+= 1 }
            case CipherClass.dash: marks &+= 1
            case CipherClass.zero, CipherClass.one: bits &+= 1
            case CipherClass.delimiter, CipherClass.sentenceEnd: end = true
            default:  // Braille lead byte
                if i + 1 < n, p[i + 1] >= 0xA0, p[i + 1] <= 0xA3 { braille &+= 1 }
            }
            if end {
                // not English (a shifted alphabet), English backwards, Morse or binary
                let letters = Int(counts & 0xFFFF_FFFF), plain = Int((counts >> 32) & 0x7FFF_FFFF)
                let worth = marks >= 12 || bits >= 32
                    || (letters >= 12 && (reversedWords >= 1 || plain * 100 < letters * 45))
                if worth && candidates.count < 8 {
                    candidates.append(CipherSegment(range: start..<i, letters: letters, marks: marks, bits: bits,
                                                    reversedWords: reversedWords))
                }
                (counts, marks, bits, reversedWords) = (0, 0, 0, 0)
                start = i + 1
            }
            if i >= n { return braille }
            i &+= 1
        }
    }

    @inline(__always) static func topScore(_ h: [Int], shift: Int) -> Int {
        var s = 0
        for l in englishTop { s += h[(l + shift) % 26] }
        return s
    }

    /// The Caesar shift (or Atbash) that makes the letters most English-like, if the result reads as English.
    static func decodeShifted(_ text: [UInt8], _ seg: CipherSegment) -> (DecodedPayload.Encoding, [UInt8])? {
        guard seg.letters >= 12 else { return nil }
        var hist = [Int](repeating: 0, count: 26)
        for c in text where (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A { hist[Int((c | 0x20) - 0x61)] += 1 }
        guard topScore(hist, shift: 0) * 100 < seg.letters * 45 else { return nil }
        var best = 0, bestScore = 0
        for k in 1..<26 {
            let s = topScore(hist, shift: k)
            if s > bestScore { (best, bestScore) = (k, s) }
        }
        var atbash = 0
        for l in englishTop { atbash += hist[25 - l] }
        let useAtbash = atbash > bestScore
        guard max(atbash, bestScore) * 100 >= seg.letters * 55 else { return nil }
        var out = text
        for i in out.indices {
            let c = out[i]
            let lower = c >= 0x61 && c <= 0x7A, upper = c >= 0x41 && c <= 0x5A
            guard lower || upper else { continue }
            let base: UInt8 = lower ? 0x61 : 0x41
            let x = Int(c - base)
            out[i] = base + UInt8(useAtbash ? 25 - x : (x - best + 26) % 26)
        }
        let (words, common) = wordStats(out)
        guard words >= 3, common * 4 >= words else { return nil }
        return (useAtbash ? .atbash : best == 13 ? .rot13 : .caesar, out)
    }

    static func decodeReversed(_ text: [UInt8]) -> [UInt8]? {
        let r = Array(text.reversed())
        let (w0, c0) = wordStats(text), (w1, c1) = wordStats(r)
        // "i" and "a" read the same both ways, so the text itself may hold a few common words
        guard w1 >= 4, c1 * 4 >= w1, c0 * 5 < w0 else { return nil }
        return r
    }

    static let morseTable: [String: UInt8] = {
        let codes = [".-", "-...", "-.-.", "-..", ".", "..-.", "--.", "....", "..", ".---", "-.-", ".-..", "--", "-.",
                     "---", ".--.", "--.-", ".-.", "...", "-", "..-", "...-", ".--", "-..-", "-.--", "--.."]
        var t: [String: UInt8] = [:]
        for (i, c) in codes.enumerated() { t[c] = 0x61 + UInt8(i) }
        let digits = ["-----", ".----", "..---", "...--", "....-", ".....", "-....", "--...", "---..", "----."]
        for (i, c) in digits.enumerated() { t[c] = 0x30 + UInt8(i) }
        t[".-.-.-"] = 0x2E
        t["--..--"] = 0x2C
        t["..--.."] = 0x3F
        return t
    }()

    /// Morse: letters separated by spaces, words by " / " (or three spaces); the longest run of Morse bytes.
    static func decodeMorse(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var code = ""
        var spaces = 0
        var unknown = 0
        func flush() {
            guard !code.isEmpty else { return }
            if let c = morseTable[code] { out.append(c) } else { unknown += 1 }
            code = ""
        }
        for c in text {
            switch c {
            case 0x2E, 0x2D:
                if spaces >= 3, out.last != 0x20 { out.append(0x20) }
                spaces = 0
                code.append(Character(Unicode.Scalar(c)))
            case 0x2F:
                flush()
                if out.last != 0x20 { out.append(0x20) }
            case 0x20, 0x09:
                flush()
                spaces += 1
            default:
                flush()
            }
        }
        flush()
        guard unknown * 10 <= out.count else { return nil }
        let (words, common) = wordStats(out)
        return words >= 3 && common * 5 >= words ? out : nil
    }

    /// 8-bit groups of 0/1 (spaces between groups optional).
    static func decodeBinary(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        var acc: UInt8 = 0, n = 0
        for c in text where c == 0x30 || c == 0x31 {
            acc = acc << 1 | (c - 0x30)
            n += 1
            if n == 8 {
                out.append(acc)
                (acc, n) = (0, 0)
            }
        }
        return plausibleText(out) ? out : nil
    }

    /// Grade-1 Braille (U+2800 block): a-z by their dot patterns; other cells pass through as spaces.
    static let brailleLetters: [UInt8: UInt8] = {
        let dots: [UInt8] = [0x01, 0x03, 0x09, 0x19, 0x11, 0x0B, 0x1B, 0x13, 0x0A, 0x1A, 0x05, 0x07, 0x0D, 0x1D, 0x15,
                             0x0F, 0x1F, 0x17, 0x0E, 0x1E, 0x25, 0x27, 0x3A, 0x2D, 0x3D, 0x35]
        var t: [UInt8: UInt8] = [:]
        for (i, d) in dots.enumerated() { t[d] = 0x61 + UInt8(i) }
        return t
    }()

    static func decodeBraille(_ b: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        for s in String(decoding: b, as: UTF8.self).unicodeScalars {
            let v = s.value
            if v >= 0x2800 && v <= 0x28FF {
                out.append(v == 0x2800 ? 0x20 : brailleLetters[UInt8(v & 0xFF)] ?? 0x20)
            } else if v == 0x20 || v == 0x0A {
                out.append(0x20)
            }
        }
        let (words, common) = wordStats(out)
        return words >= 2 && common * 5 >= words ? out : nil
    }
}
