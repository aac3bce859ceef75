/// A byte-level Aho–Corasick automaton: finds every occurrence of many literal phrases in one pass.
///
/// Phrases are matched on whole words: the byte before a match and the byte after it must not be a letter or a
/// digit (bytes >= 0x80, i.e. any non-ASCII character, also count as word characters). Whitespace in the text is
/// read as a single space (the normaliser already collapses runs), so `ignore previous` matches across a line break.
/// The automaton is a dense transition table over a reduced alphabet, built once; matching allocates nothing but the
/// caller's hit buffer.
public struct AhoCorasick: Sendable {
    /// Byte -> alphabet class (0 = "other").
    private let classOf: [UInt8]
    private let alphabetSize: Int
    /// state * alphabetSize + class -> next state (full DFA).
    private let delta: [Int32]
    /// For each state: range into `outputs` (patterns ending here, following dictionary suffix links).
    private let outStart: [Int32]
    private let outputs: [Int32]
    /// Pattern lengths in bytes.
    public let patternLengths: [Int]
    public var patternCount: Int { patternLengths.count }

    public struct Hit: Sendable, Hashable {
        public var pattern: Int
        /// Byte offset of the first byte of the match.
        public var start: Int
        /// Byte offset just past the match.
        public var end: Int
        /// Index of the token (whitespace-separated) in which the match ends.
        public var token: Int
    }

    public init(patterns: [[UInt8]]) {
        // Alphabet: every byte that occurs in a pattern gets a class; space stands for all whitespace.
        var cls = [UInt8](repeating: 0, count: 256)
        var next: UInt8 = 1
        var overflow = false
        for p in patterns {
            for b in p {
                let c = Self.mapWhitespace(b)
                if cls[Int(c)] == 0 {
                    if next == 255 { overflow = true; continue }
                    cls[Int(c)] = next
                    next += 1
                }
            }
        }
        _ = overflow
        for ws: UInt8 in [0x09, 0x0A, 0x0B, 0x0C, 0x0D] { cls[Int(ws)] = cls[0x20] }
        let k = Int(next)
        // Trie.
        var goto: [[Int32]] = [[Int32](repeating: -1, count: k)]
        var outsPerState: [[Int32]] = [[]]
        for (pi, p) in patterns.enumerated() {
            var s = 0
            for b in p {
                let c = Int(cls[Int(Self.mapWhitespace(b))])
                if goto[s][c] < 0 {
                    goto.append([Int32](repeating: -1, count: k))
                    outsPerState.append([])
                    goto[s][c] = Int32(goto.count - 1)
                }
                s = Int(goto[s][c])
            }
            outsPerState[s].append(Int32(pi))
        }
        // BFS for failure links, building the full DFA.
        let nStates = goto.count
        var fail = [Int32](repeating: 0, count: nStates)
        var d = [Int32](repeating: 0, count: nStates * k)
        var queue: [Int] = []
        for c in 0..<k {
            let t = goto[0][c]
            if t >= 0 {
                d[c] = t
                fail[Int(t)] = 0
                queue.append(Int(t))
            } else {
                d[c] = 0
            }
        }
        var qi = 0
        while qi < queue.count {
            let s = queue[qi]
            qi += 1
            outsPerState[s].append(contentsOf: outsPerState[Int(fail[s])])
            for c in 0..<k {
                let t = goto[s][c]
                if t >= 0 {
                    fail[Int(t)] = d[Int(fail[s]) * k + c]
                    d[s * k + c] = t
                    queue.append(Int(t))
                } else {
                    d[s * k + c] = d[Int(fail[s]) * k + c]
                }
            }
        }
        var starts = [Int32](repeating: 0, count: nStates + 1)
        var outs: [Int32] = []
        for s in 0..<nStates {
            starts[s] = Int32(outs.count)
            outs.append(contentsOf: outsPerState[s])
        }
        starts[nStates] = Int32(outs.count)
        classOf = cls
        alphabetSize = k
        delta = d
        outStart = starts
        outputs = outs
        patternLengths = patterns.map(\.count)
    }

    @inline(__always) static func mapWhitespace(_ b: UInt8) -> UInt8 {
        (b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C) ? 0x20 : b
    }

    /// Lead byte of a 3-byte UTF-8 character in U+3000-U+9FFF (CJK punctuation, kana, CJK ideographs).
    @inline(__always) static func isCJKLead(_ b: UInt8) -> Bool { b >= 0xE3 && b <= 0xE9 }

    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || b >= 0x80 || b == 0x5F
    }

    /// Every whole-word match in `text`, appended to `hits` (which is not cleared).
    public func scan(_ text: UnsafeBufferPointer<UInt8>, into hits: inout [Hit], limit: Int = 4096) {
        guard !outputs.isEmpty else { return }
        var s = 0
        var token = 0
        let k = alphabetSize
        let n = text.count
        classOf.withUnsafeBufferPointer { cls in
            delta.withUnsafeBufferPointer { d in
                outStart.withUnsafeBufferPointer { os in
                    outputs.withUnsafeBufferPointer { outs in
                        var i = 0
                        var prevSpace = false
                        while i < n {
                            let b = text[i]
                            let isSpace = b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D
                            if isSpace {
                                if prevSpace {
                                    i += 1
                                    continue
                                }
                                token += 1
                            }
                            prevSpace = isSpace
                            s = Int(d[s * k + Int(cls[Int(b)])])
                            let o0 = Int(os[s]), o1 = Int(os[s + 1])
                            if o0 < o1 {
                                let after: UInt8 = i + 1 < n ? text[i + 1] : 0x20
                                // Chinese and Japanese are written without spaces: next to such a character (inside
                                // or outside the match) a match needs no word boundary on that side.
                                let endsCJK = (i >= 2 && Self.isCJKLead(text[i - 2]) && b >= 0x80 && b < 0xC0) || Self.isCJKLead(after)
                                if !Self.isWordByte(after) || !Self.isWordByte(b) || endsCJK {
                                    for j in o0..<o1 {
                                        let p = Int(outs[j])
                                        let start = i + 1 - patternLengths[p]
                                        guard start >= 0 else { continue }
                                        let before: UInt8 = start > 0 ? text[start - 1] : 0x20
                                        let afterCJK = start >= 3 && Self.isCJKLead(text[start - 3]) && before >= 0x80 && before < 0xC0
                                        if Self.isWordByte(before) && Self.isWordByte(text[start]) && !Self.isCJKLead(text[start]) && !afterCJK { continue }
                                        if !Self.isWordByte(after) || !Self.isWordByte(b) || endsCJK {
                                            hits.append(Hit(pattern: p, start: start, end: i + 1, token: token))
                                            if hits.count >= limit { return }
                                        }
                                    }
                                }
                            }
                            i += 1
                        }
                    }
                }
            }
        }
    }

    /// Convenience for tests and tools.
    public func matches(in text: String) -> [Hit] {
        var hits: [Hit] = []
        var t = text
        t.withUTF8 { scan($0, into: &hits) }
        return hits
    }
}
