import Foundation

/// Word-level obfuscations of published attacks, undone for user prompts and scored like a decoded payload:
/// - **scrambled words** (Best-of-N jailbreaking's shuffled word middles, PyRIT's CharSwap: `mkae a bmob`): a word
///   that is not in the lexicon is replaced by the one lexicon word with the same first letter, length and letters;
/// - **inserted punctuation** (PyRIT's InsertPunctuation: `m.a;k!e a b,o?m.b`): punctuation between two letters of
///   a word is dropped when many words carry it;
/// - **Pig Latin** (`owhay otay akemay away ombbay`): the moved consonants are put back when the result is a word.
/// Each runs only when a prompt looks like it (a share of odd words), so ordinary text pays a byte loop and a few
/// table lookups; a key shared by two words (`stop` / `spot`) is never guessed. The lexicon is the bundled WordPiece vocabulary's whole words plus the rule patterns' own words
/// (`Resources/normalization/lexicon-extra.txt`).
extension Normalizer {
    static let maxRepairMessageBytes = 4000

    /// Longest prompt checked for scrambled words: Best-of-N and CharSwap prompts are one short request, and a
    /// longer text with many unknown words is mostly code, names or another language.
    static let maxScrambleMessageBytes = 300

    /// Bit 0 letter, bit 1 punctuation that obfuscators insert, bit 2 'a', bit 3 'y', bit 4 not a letter.
    static let repairByteBits: [UInt8] = {
        var t = [UInt8](repeating: 0x10, count: 256)
        for c in 0x41...0x5A { t[c] = 1; t[c + 0x20] = 1 }
        for c in [0x2E, 0x2C, 0x3B, 0x3A, 0x21, 0x3F, 0x2A] { t[c] |= 2 }
        t[0x61] |= 4
        t[0x41] |= 4
        t[0x79] |= 8
        t[0x59] |= 8
        return t
    }()

    /// Candidates for `decodePayloads` (prompts only). One byte loop decides which repair could apply; most prompts
    /// stop there, the rest pay for word lists and lexicon lookups.
    static func wordRepairCandidates(_ b: [UInt8], into found: inout [(DecodedPayload.Encoding, [UInt8])], limit: Int) {
        guard b.count <= maxRepairMessageBytes, found.count < limit else { return }
        // Densities first, branch-free: Pig Latin puts a 'y' in every word and the punctuation obfuscator a mark
        // after many letters, while prose has about 2 % 'y' and 4 % punctuation. Only a dense prompt pays for the
        // neighbour checks below.
        let (yCount, marks) = b.withUnsafeBufferPointer { repairDensityCounts($0) }
        let densePunctuation = marks * 16 >= b.count, denseY = yCount * 12 >= b.count
        guard densePunctuation || denseY || b.count <= maxScrambleMessageBytes else { return }
        var innerPunctuation = 0, ayEnds = 0
        if densePunctuation || denseY {
            b.withUnsafeBufferPointer { p in
                Self.repairByteBits.withUnsafeBufferPointer { t in
                    let n = p.count
                    guard n >= 3 else { return }
                    for i in 1..<(n - 1) {
                        let k = t[Int(p[i])]
                        guard k & 0x0A != 0 else { continue }
                        let before = t[Int(p[i - 1])], after = t[Int(p[i + 1])]
                        if k & 2 != 0 { innerPunctuation += Int(before & after & 1) }
                        if k & 8 != 0 { ayEnds += Int((before >> 2) & (after >> 4) & 1) }
                    }
                    if t[Int(p[n - 1])] & 8 != 0, t[Int(p[n - 2])] & 4 != 0 { ayEnds += 1 }
                }
            }
        }
        var words = 0
        if ayEnds >= 3 { words = wordCount(b) }
        let mayBePigLatin = ayEnds >= 3 && ayEnds * 5 >= words * 3
        let mayBeScrambled = b.count <= maxScrambleMessageBytes && RepairLexicon.shared.mayBeScrambled(b)
        guard innerPunctuation >= 3 || mayBePigLatin || mayBeScrambled else { return }
        let ranges = asciiWords(b)
        let lexicon = RepairLexicon.shared
        if innerPunctuation >= 3, let p = strippedInnerPunctuation(b, words: ranges) { found.append((.punctuation, p)) }
        if mayBeScrambled, found.count < limit, let s = unscrambled(b, words: ranges, lexicon: lexicon) { found.append((.scrambled, s)) }
        if mayBePigLatin, found.count < limit, let p = fromPigLatin(b, words: ranges, lexicon: lexicon) { found.append((.pigLatin, p)) }
    }

    /// ('y' or 'Y' bytes, bytes of `isInsertedPunctuation`): one load and one add a byte from a table that holds both
    /// counts (the 'y' in the low 32 bits, the mark in the high 32), instead of two shifts, masks and adds.
    static func repairDensityCounts(_ p: UnsafeBufferPointer<UInt8>) -> (y: Int, marks: Int) {
        var both: UInt64 = 0
        repairDensityTable.withUnsafeBufferPointer { t in
            for c in p { both &+= t[Int(c)] }
        }
        return (Int(both & 0xFFFF_FFFF), Int(both >> 32))
    }

    /// `repairByteBits` bit 3 ('y') in the low 32 bits, bit 1 (an inserted mark) in the high 32.
    static let repairDensityTable: [UInt64] = repairByteBits.map { UInt64(($0 >> 3) & 1) | UInt64(($0 >> 1) & 1) << 32 }

    /// Whitespace-separated tokens as byte ranges.
    static func asciiWords(_ b: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = b.count
        while i < n {
            while i < n, isSpace(b[i]) { i += 1 }
            let start = i
            while i < n, !isSpace(b[i]) { i += 1 }
            if i > start { out.append(start..<i) }
        }
        return out
    }

    @inline(__always) static func isInsertedPunctuation(_ c: UInt8) -> Bool {
        c == 0x2E || c == 0x2C || c == 0x3B || c == 0x3A || c == 0x21 || c == 0x3F || c == 0x2A
    }

    /// The prompt without punctuation between letters, when at least three words and a third of all words carry
    /// two such marks, or one that is not a dot (a file name, a domain, `e.g.` carry one dot).
    static func strippedInnerPunctuation(_ b: [UInt8], words: [Range<Int>]) -> [UInt8]? {
        var marked = 0
        for w in words where w.count >= 3 {
            var k = w.lowerBound + 1, marks = 0, dotsOnly = true
            while k < w.upperBound - 1 {
                if isInsertedPunctuation(b[k]), isAsciiLetter(b[k - 1]), isAsciiLetter(b[k + 1]) {
                    marks += 1
                    if b[k] != 0x2E { dotsOnly = false }
                }
                k += 1
            }
            if marks >= 2 || (marks == 1 && !dotsOnly) { marked += 1 }
        }
        guard marked >= 3, marked * 3 >= words.count else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        for (i, c) in b.enumerated() {
            if isInsertedPunctuation(c), i > 0, i + 1 < b.count, isAsciiLetter(b[i - 1]), isAsciiLetter(b[i + 1]) { continue }
            out.append(c)
        }
        return out
    }

    /// Lower-case letters of a token with leading and trailing punctuation trimmed, or nil if anything else is left.
    static func letters(_ b: [UInt8], _ w: Range<Int>) -> [UInt8]? {
        var lo = w.lowerBound, hi = w.upperBound
        while lo < hi, !isAsciiLetter(b[lo]) { lo += 1 }
        while hi > lo, !isAsciiLetter(b[hi - 1]) { hi -= 1 }
        guard hi > lo else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(hi - lo)
        for i in lo..<hi {
            guard isAsciiLetter(b[i]) else { return nil }
            out.append(b[i] | 0x20)
        }
        return out
    }

    /// The prompt with scrambled words put back, when at least two words of 4+ letters are unknown, make up a
    /// quarter of such words, and at least two of them have exactly one lexicon word with their letters.
    static func unscrambled(_ b: [UInt8], words: [Range<Int>], lexicon: RepairLexicon) -> [UInt8]? {
        var long = 0
        var unknown: [(Range<Int>, [UInt8])] = []
        for w in words {
            guard let l = letters(b, w), l.count >= 4 else { continue }
            long += 1
            if !lexicon.contains(l) { unknown.append((w, l)) }
        }
        guard unknown.count >= 2, unknown.count * 4 >= long else { return nil }
        var replacements: [(Range<Int>, [UInt8])] = []
        for (w, l) in unknown {
            if let fix = lexicon.unscramble(l) { replacements.append((w, fix)) }
        }
        guard replacements.count >= 2 else { return nil }
        return rebuilt(b, words: words, replacing: replacements)
    }

    /// The prompt read as Pig Latin, when at least three words and 60 % of them end in "ay" and at least half of
    /// those turn back into lexicon words.
    static func fromPigLatin(_ b: [UInt8], words: [Range<Int>], lexicon: RepairLexicon) -> [UInt8]? {
        var ay: [(Range<Int>, [UInt8])] = []
        for w in words {
            guard let l = letters(b, w), l.count >= 3, l[l.count - 2] == 0x61, l[l.count - 1] == 0x79 else { continue }
            ay.append((w, l))
        }
        guard ay.count >= 3, ay.count * 5 >= words.count * 3 else { return nil }
        var replacements: [(Range<Int>, [UInt8])] = []
        for (w, l) in ay {
            let stem = Array(l.dropLast(2))
            // vowel-initial words take "way" / "yay" / "ay"
            if let last = stem.last, last == 0x77 || last == 0x79, stem.count >= 2, isVowel(stem[0]), lexicon.isWord(Array(stem.dropLast())) {
                replacements.append((w, Array(stem.dropLast())))
                continue
            }
            // the moved part is the word's leading consonants: try the longest trailing consonant run first
            // ("owh" + "ay" is "who" or "how": both are words, either reads the request)
            var fixed: [UInt8]?
            var run = 0
            while run < min(3, stem.count - 1), !isVowel(stem[stem.count - 1 - run]) { run += 1 }
            for k in stride(from: run, through: 1, by: -1) {
                let cand = Array(stem.suffix(k)) + Array(stem.dropLast(k))
                if lexicon.isWord(cand) { fixed = cand; break }
            }
            if fixed == nil, lexicon.isWord(stem) { fixed = stem }
            if let f = fixed { replacements.append((w, f)) }
        }
        guard replacements.count * 2 >= ay.count else { return nil }
        return rebuilt(b, words: words, replacing: replacements)
    }

    @inline(__always) static func isVowel(_ c: UInt8) -> Bool { c == 0x61 || c == 0x65 || c == 0x69 || c == 0x6F || c == 0x75 }

    static func rebuilt(_ b: [UInt8], words: [Range<Int>], replacing: [(Range<Int>, [UInt8])]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var pos = 0
        for (w, fix) in replacing {
            out.append(contentsOf: b[pos..<w.lowerBound])
            out.append(contentsOf: fix)
            pos = w.upperBound
        }
        out.append(contentsOf: b[pos...])
        return out
    }
}

/// Whole words for the repairs: the bundled WordPiece vocabulary's words (no `##` pieces, no special tokens) and
/// the rule patterns' own words, held as fingerprints, with an index from (first letter, sorted other letters) to the
/// word when it is the only one with those letters.
struct RepairLexicon: Sendable {
    let anagrams: [[UInt8]: [UInt8]]
    /// FNV-1a of every word in an open-addressing table (the fingerprint is its own hash; 0 = empty slot), for the
    /// pre-check every short prompt pays: a probe is a few loads, no hashing, no allocation.
    let table: [UInt64]
    let mask: Int

    static let shortWords: Set<[UInt8]> = Set(["a", "i", "an", "to", "do", "in", "on", "at", "of", "is", "it", "me", "my",
                                               "we", "he", "or", "so", "up", "be", "by", "go", "no", "how", "the", "and",
                                               "you", "for", "can", "who", "why", "get", "use", "buy"].map { Array($0.utf8) })

    static let shared: RepairLexicon = {
        var lines: [String] = []
        if let v = WordPieceTokenizer.sharedBundled {
            lines = (0..<v.vocabularySize).compactMap { v.token(forID: Int32($0)) }
        }
        if let url = Bundle.module.url(forResource: "Resources/normalization/lexicon-extra", withExtension: "txt")
            ?? Bundle.module.url(forResource: "lexicon-extra", withExtension: "txt", subdirectory: "Resources/normalization"),
           let t = try? String(contentsOf: url, encoding: .utf8) {
            lines.append(t)
        }
        return RepairLexicon(lines: lines.joined(separator: "\n"))
    }()

    init(lines: String) {
        var w = Set<[UInt8]>()
        for line in lines.split(separator: "\n") {
            let u = Array(line.utf8)
            guard u.count >= 2, u.allSatisfy({ $0 >= 0x61 && $0 <= 0x7A }) else { continue }
            w.insert(u)
        }
        var index: [[UInt8]: [UInt8]] = [:]
        var dup = Set<[UInt8]>()
        for word in w where word.count >= 4 {
            let k = Self.key(word)
            if index[k] != nil { dup.insert(k) } else { index[k] = word }
        }
        for k in dup { index[k] = nil }
        anagrams = index
        var size = 1
        while size < w.count * 3 { size <<= 1 }
        var t = [UInt64](repeating: 0, count: size)
        for word in w {
            let f = Self.fingerprint(word) | 1
            var i = Int(truncatingIfNeeded: f >> 7) & (size - 1)
            while t[i] != 0 && t[i] != f { i = (i + 1) & (size - 1) }
            t[i] = f
        }
        table = t
        mask = size - 1
    }

    @inline(__always) func hasFingerprint(_ f0: UInt64) -> Bool {
        let f = f0 | 1
        return table.withUnsafeBufferPointer { t in
            var i = Int(truncatingIfNeeded: f >> 7) & mask
            while true {
                let v = t[i]
                if v == f { return true }
                if v == 0 { return false }
                i = (i + 1) & mask
            }
        }
    }

    @inline(__always) static func fingerprint<C: Collection>(_ letters: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for c in letters { h = (h ^ UInt64(c | 0x20)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Among the first 24 words of 4+ letters, at least two and a quarter unknown: worth the full pass.
    func mayBeScrambled(_ b: [UInt8]) -> Bool {
        guard mask > 0 else { return false }
        return b.withUnsafeBufferPointer { p -> Bool in
            let n = p.count
            var i = 0, long = 0, unknown = 0
            while i < n, long < 24 {
                while i < n, !Normalizer.isAsciiLetter(p[i]) { i += 1 }
                let start = i
                while i < n, Normalizer.isAsciiLetter(p[i]) { i += 1 }
                // a word is letters between non-letters other than an apostrophe-free token break
                guard i - start >= 4, i == n || !Normalizer.isWordByte(p[i]) else { continue }
                long += 1
                if !hasFingerprint(Self.fingerprint(UnsafeBufferPointer(rebasing: p[start..<i]))) { unknown += 1 }
            }
            return unknown >= 2 && unknown * 4 >= long
        }
    }

    static func key(_ w: [UInt8]) -> [UInt8] { [w[0]] + w.dropFirst().sorted() }

    /// Membership by fingerprint (64-bit FNV-1a over ~24,000 words: a false hit is vanishingly rare, and costs only
    /// a word left as it was).
    func contains(_ w: [UInt8]) -> Bool { hasFingerprint(Self.fingerprint(w)) }

    func isWord(_ w: [UInt8]) -> Bool { contains(w) || Self.shortWords.contains(w) }

    func unscramble(_ w: [UInt8]) -> [UInt8]? { anagrams[Self.key(w)] }
}
