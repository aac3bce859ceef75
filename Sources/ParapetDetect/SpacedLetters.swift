/// Letter-spaced words (`m e t h`, `b-o-m-b`, `k.i.l.l`, `s*e*x`): a request spelled out one letter at a time
/// so that no word of it matches a rule or a model feature, the character-level perturbation of the published
/// obfuscation attacks. Runs of at least `minSpacedLetters` single letters with the same separator are joined into
/// words and the whole message, so joined, is scored like a decoded payload. Prompts only, and short ones: every
/// prompt pays for a pointer pre-check (about 1.5 % of the 500-byte message path), and a message without such a
/// run allocates nothing.
extension Normalizer {
    static let minSpacedLetters = 4
    static let maxSpacedMessageBytes = 4000

    @inline(__always) static func isAsciiLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    @inline(__always) static func isWordByte(_ c: UInt8) -> Bool { isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || c >= 0x80 }
    /// Space, hyphen, dot, asterisk, underscore, slash.
    @inline(__always) static func isLetterSeparator(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x2D || c == 0x2E || c == 0x2A || c == 0x5F || c == 0x2F
    }

    /// Cheap pre-check on every prompt: the same separator at three positions two bytes apart, with letters
    /// between (`m e t h`); the full pass below runs only when it says yes.
    /// Eight positions at a time first: words of eight bytes at `j`, `j + 2` and `j + 4` compared lane by lane (a
    /// lane is zero where the bytes are equal, found exactly without carries between lanes); only a block with a
    /// position where all three are equal is checked byte by byte (6 -> about 2 instructions a byte of prose).
    static func mayHaveSpacedRun(_ b: [UInt8]) -> Bool {
        b.withUnsafeBufferPointer { p -> Bool in
            let n = p.count
            guard n >= 2 * minSpacedLetters - 1, let base = p.baseAddress else { return false }
            @inline(__always) func spacedAt(_ j: Int) -> Bool {
                let s = p[j]
                return s == p[j + 2] && s == p[j + 4] && isLetterSeparator(s) && isAsciiLetter(p[j - 1])
                    && isAsciiLetter(p[j + 1]) && isAsciiLetter(p[j + 3])
            }
            let raw = UnsafeRawPointer(base)
            let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
            var j = 1
            while j + 11 < n {
                let x = raw.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                let d2 = x ^ raw.loadUnaligned(fromByteOffset: j + 2, as: UInt64.self)
                let d4 = x ^ raw.loadUnaligned(fromByteOffset: j + 4, as: UInt64.self)
                // the high bit of each lane where d2 and d4 are both zero
                let both = ~(((d2 & low7) &+ low7) | d2 | ((d4 & low7) &+ low7) | d4 | low7)
                if both != 0 {
                    for k in j..<(j + 8) where spacedAt(k) { return true }
                }
                j += 8
            }
            while j + 4 < n {
                if spacedAt(j) { return true }
                j += 1
            }
            return false
        }
    }

    /// The message with every letter-spaced run joined, or nil when it has none. `splitArticle`: a run that starts
    /// with "a" or "i" keeps that letter as its own word ("make a b o m b" -> "make a bomb", not "abomb").
    static func joinedSpacedLetters(_ b: [UInt8], splitArticle: Bool = false) -> [UInt8]? {
        let n = b.count
        guard n >= 2 * minSpacedLetters - 1, n <= maxSpacedMessageBytes else { return nil }
        var out: [UInt8]? = nil
        var copied = 0
        var i = 0
        while i + 2 < n {
            // a single letter (no word byte before or after it), a separator, another letter
            guard isAsciiLetter(b[i]), i == 0 || !isWordByte(b[i - 1]), isLetterSeparator(b[i + 1]), isAsciiLetter(b[i + 2]) else {
                i += 1
                continue
            }
            let sep = b[i + 1]
            var last = i
            var count = 1
            while last + 2 < n, b[last + 1] == sep, isAsciiLetter(b[last + 2]), last + 3 >= n || !isWordByte(b[last + 3]) {
                last += 2
                count += 1
            }
            if count >= minSpacedLetters {
                if out == nil { out = []; out!.reserveCapacity(n) }
                out!.append(contentsOf: b[copied..<i])
                var j = i
                if splitArticle, count > minSpacedLetters, b[i] | 0x20 == 0x61 || b[i] | 0x20 == 0x69 {
                    out!.append(b[i])
                    out!.append(0x20)
                    j += 2
                }
                while j <= last { out!.append(b[j]); j += 2 }
                copied = last + 1
                i = last + 1
            } else {
                // a short run may end in the first letter of another one ("i k-i-l-l"): look again from the next byte
                i += 1
            }
        }
        guard var joined = out else { return nil }
        joined.append(contentsOf: b[copied..<n])
        return joined
    }

    /// Both readings when a run starts with "a" or "i" (the article or the pronoun, or the word's first letter).
    static func spacedLetterCandidates(_ b: [UInt8], into found: inout [(DecodedPayload.Encoding, [UInt8])], limit: Int) {
        guard found.count < limit, b.count <= maxSpacedMessageBytes, mayHaveSpacedRun(b), let joined = joinedSpacedLetters(b) else { return }
        found.append((.spaced, joined))
        if found.count < limit, let split = joinedSpacedLetters(b, splitArticle: true), split != joined { found.append((.spaced, split)) }
    }
}
