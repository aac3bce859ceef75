/// A byte-level Aho–Corasick automaton: finds every occurrence of many literal phrases in one pass.
///
/// Phrases are matched on whole words: the byte before a match and the byte after it must not be a letter or a
/// digit (bytes >= 0x80, i.e. any non-ASCII character, also count as word characters). Whitespace in the text is
/// read as a single space (the normaliser already collapses runs), so `ignore previous` matches across a line break.
///
/// Layout: states are numbered breadth-first. The states near the root (depth <= `denseDepth`), where a scan spends
/// most of its bytes, have transition rows over the ASCII byte classes; every state keeps its trie edges and a
/// failure link, which always leads back toward the root (whose row covers every class), for deeper states and for
/// non-ASCII bytes. A full table for every state and class was 60 MB for the shipped pack (119,000 states times 136
/// byte classes, most of them UTF-8 bytes of other scripts). Matching allocates nothing but the caller's hit buffer.
public struct AhoCorasick: Sendable {
    /// Byte -> its alphabet class (low 8 bits; 0 = "other"), plus `spaceBit` for the whitespace `scan` collapses
    /// and counts tokens on, and `wideBit` for a class outside the dense rows: `scan` reads one table per byte to take
    /// the common step (a dense state, an ASCII class, no output) without the general loop's branches.
    private let byteKind: [UInt16]
    static let spaceBit: UInt16 = 0x100
    static let wideBit: UInt16 = 0x200
    private let alphabetSize: Int
    /// Classes 0..<narrow are "other" and the ASCII bytes of the patterns; the rest are non-ASCII bytes.
    private let narrow: Int
    /// Number of states with rows (states 0..<denseCount, the shallow ones).
    private let denseCount: Int
    /// state * narrow + class -> next state, for the dense states and the ASCII classes. A target with `outputFlag`
    /// set has outputs.
    private let dense: [Int32]
    /// The root's transitions for every class.
    private let rootRow: [Int32]
    /// Every state's edges `edgeClass/edgeTarget[edgeStart[s] ..< edgeStart[s + 1]]` (targets carry `outputFlag`
    /// too) and its failure link.
    private let edgeStart: [Int32]
    private let edgeClass: [UInt8]
    private let edgeTarget: [Int32]
    private let fail: [Int32]
    /// For each state: range into `outputs` (patterns ending here, following dictionary suffix links).
    private let outStart: [Int32]
    private let outputs: [Int32]
    /// Pattern lengths in bytes.
    public let patternLengths: [Int]
    public var patternCount: Int { patternLengths.count }

    /// Depth up to which states get rows (6: as fast as a full table on 500-byte prompts; with full-width rows, 2 was
    /// 8 % slower and 4 matched, BENCHMARKS.md). Tests lower it to drive scans through the edges.
    public static let denseDepth = 6
    static let outputFlag: Int32 = 1 << 30

    /// Size of the matcher, for `parapet rules lint`.
    public var stateCount: Int { outStart.count - 1 }
    public var classCount: Int { alphabetSize }
    public var tableBytes: Int {
        (dense.count + rootRow.count + edgeStart.count + edgeTarget.count + fail.count + outStart.count + outputs.count) * 4
            + edgeClass.count
    }

    public struct Hit: Sendable, Hashable {
        public var pattern: Int
        /// Byte offset of the first byte of the match.
        public var start: Int
        /// Byte offset just past the match.
        public var end: Int
        /// Index of the token (whitespace-separated) in which the match ends.
        public var token: Int
    }

    /// `denseDepth`: see `AhoCorasick.denseDepth` (tests lower it to drive scans through the sparse states).
    public init(patterns: [[UInt8]], denseDepth: Int = AhoCorasick.denseDepth) {
        // Alphabet: every byte that occurs in a pattern gets a class; space stands for all whitespace.
        // ASCII bytes get the low class numbers (the dense rows cover them), other bytes the rest.
        var cls = [UInt8](repeating: 0, count: 256)
        var next: UInt8 = 1
        for ascii in [true, false] {
            for p in patterns {
                for b in p where (b < 0x80) == ascii {
                    let c = Self.mapWhitespace(b)
                    if cls[Int(c)] == 0 && next < 255 {
                        cls[Int(c)] = next
                        next += 1
                    }
                }
            }
        }
        for ws: UInt8 in [0x09, 0x0A, 0x0B, 0x0C, 0x0D] { cls[Int(ws)] = cls[0x20] }
        let k = Int(next)
        let narrow = 1 + (0..<128).filter { b in cls[b] != 0 && !(b >= 0x09 && b <= 0x0D) }.count
        // Trie with sparse children (class, child), in insertion order.
        var children: [[(UInt8, Int32)]] = [[]]
        var ends: [[Int32]] = [[]]
        for (pi, p) in patterns.enumerated() {
            var s = 0
            for b in p {
                let c = cls[Int(Self.mapWhitespace(b))]
                if let t = children[s].first(where: { $0.0 == c }) {
                    s = Int(t.1)
                } else {
                    children.append([])
                    ends.append([])
                    children[s].append((c, Int32(children.count - 1)))
                    s = children.count - 1
                }
            }
            ends[s].append(Int32(pi))
        }
        // Breadth-first renumbering: shallow states first.
        let n = children.count
        var order = [0]
        var depth = [0]
        var newId = [Int32](repeating: -1, count: n)
        newId[0] = 0
        var qi = 0
        while qi < order.count {
            let s = order[qi]
            for (_, t) in children[s].sorted(by: { $0.0 < $1.0 }) {
                newId[Int(t)] = Int32(order.count)
                order.append(Int(t))
                depth.append(depth[qi] + 1)
            }
            qi += 1
        }
        let kids: [[(UInt8, Int32)]] = order.map { old in children[old].map { ($0.0, newId[Int($0.1)]) }.sorted { $0.0 < $1.0 } }
        var outs: [[Int32]] = order.map { ends[$0] }
        // Failure links and dense rows in one breadth-first sweep. A dense state's row is its failure state's row
        // (shallower, so already built) overwritten by its own edges: O(states x classes) array copies, no search
        // (fast in debug builds too, where every engine start builds this).
        let denseCount = depth.firstIndex(where: { $0 > denseDepth }) ?? n
        var failLink = [Int32](repeating: 0, count: n)
        var d = [Int32](repeating: 0, count: denseCount * narrow)
        var root = [Int32](repeating: 0, count: k)
        for (c, t) in kids[0] { root[Int(c)] = t }
        func step(_ from: Int, _ c: UInt8) -> Int32 {
            var x = from
            while true {
                if Int(c) < narrow && x < denseCount { return d[x * narrow + Int(c)] }
                if x == 0 { return root[Int(c)] }
                if let t = kids[x].first(where: { $0.0 == c }) { return t.1 }
                x = Int(failLink[x])
            }
        }
        for s in 0..<n {
            if s < denseCount {
                if s > 0 {
                    let f = Int(failLink[s]) * narrow
                    for c in 0..<narrow { d[s * narrow + c] = d[f + c] }
                }
                for (c, t) in kids[s] where Int(c) < narrow { d[s * narrow + Int(c)] = t }
            }
            for (c, t) in kids[s] {
                failLink[Int(t)] = s == 0 ? 0 : step(Int(failLink[s]), c)
            }
        }
        for s in 1..<max(n, 1) { outs[s].append(contentsOf: outs[Int(failLink[s])]) }
        func flagged(_ t: Int32) -> Int32 { outs[Int(t)].isEmpty ? t : t | Self.outputFlag }
        for i in d.indices { d[i] = flagged(d[i]) }
        for i in root.indices { root[i] = flagged(root[i]) }
        var es: [Int32] = [0]
        var ec: [UInt8] = []
        var et: [Int32] = []
        for s in 0..<n {
            for (c, t) in kids[s] {
                ec.append(c)
                et.append(flagged(t))
            }
            es.append(Int32(ec.count))
        }
        var starts = [Int32](repeating: 0, count: n + 1)
        var flat: [Int32] = []
        for s in 0..<n {
            starts[s] = Int32(flat.count)
            flat.append(contentsOf: outs[s])
        }
        starts[n] = Int32(flat.count)
        byteKind = (0..<256).map { b in
            UInt16(cls[b]) | (Self.isSpace(UInt8(b)) ? Self.spaceBit : 0) | (Int(cls[b]) < narrow ? 0 : Self.wideBit)
        }
        alphabetSize = k
        self.narrow = narrow
        self.denseCount = denseCount
        dense = d
        rootRow = root
        edgeStart = es
        edgeClass = ec
        edgeTarget = et
        fail = failLink
        outStart = starts
        outputs = flat
        patternLengths = patterns.map(\.count)
    }

    /// The whitespace a scan collapses (a run counts once) and counts tokens on.
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }

    @inline(__always) static func mapWhitespace(_ b: UInt8) -> UInt8 {
        (b == 0x0A || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C) ? 0x20 : b
    }

    /// Lead byte of a 3-byte UTF-8 character in U+3000-U+9FFF (CJK punctuation, kana, CJK ideographs).
    @inline(__always) static func isCJKLead(_ b: UInt8) -> Bool { b >= 0xE3 && b <= 0xE9 }

    /// Second byte of ¡ « » ¿ (U+00A1, U+00AB, U+00BB, U+00BF after 0xC2): punctuation, not letters, so
    /// "¿cómo puedo ...?" and «...» start and end words (every non-ASCII byte otherwise counts as a letter). Decided
    /// here rather than folded by the normaliser: the normalised text is also the classifier's training text, and
    /// changing it would change the shipped model.
    @inline(__always) static func isLatin1Punctuation(_ b: UInt8) -> Bool { b == 0xA1 || b == 0xAB || b == 0xBB || b == 0xBF }

    @inline(__always) static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || b >= 0x80 || b == 0x5F
    }

    /// Every whole-word match in `text`, appended to `hits` (which is not cleared).
    public func scan(_ text: UnsafeBufferPointer<UInt8>, into hits: inout [Hit], limit: Int = 4096) {
        guard !outputs.isEmpty else { return }
        var s = 0
        var token = 0
        let narrow = self.narrow
        let n = text.count
        let denseCount = self.denseCount
        let flag = Self.outputFlag
        byteKind.withUnsafeBufferPointer { kinds in
        dense.withUnsafeBufferPointer { d in
        rootRow.withUnsafeBufferPointer { rr in
        edgeStart.withUnsafeBufferPointer { es in
        edgeClass.withUnsafeBufferPointer { ec in
        edgeTarget.withUnsafeBufferPointer { et in
        fail.withUnsafeBufferPointer { fl in
        outStart.withUnsafeBufferPointer { os in
        outputs.withUnsafeBufferPointer { outs in
            var i = 0
            var prevSpace = false
            while i < n {
                let b = text[i]
                let kind = kinds[Int(b)]
                // Most bytes: neither whitespace nor another script, a dense state, and no output there. This
                // is the first step of the general path below without its branches and spilled values (the
                // pass: 26,200 -> 20,000 instructions per 500-byte prompt). Outlining the general step and the
                // match reporting instead cost more than it saved (the calls spill the loop's registers).
                if kind & (Self.spaceBit | Self.wideBit) == 0 && s < denseCount {
                    let t = d[s &* narrow &+ Int(kind & 0xFF)]
                    if t & flag == 0 {
                        s = Int(t)
                        prevSpace = false
                        i &+= 1
                        continue
                    }
                }
                let isSpace = kind & Self.spaceBit != 0
                if isSpace {
                    if prevSpace {
                        i += 1
                        continue
                    }
                    token += 1
                }
                prevSpace = isSpace
                let c = UInt8(truncatingIfNeeded: kind)
                var t: Int32
                // ASCII classes: a dense row answers. Other scripts: the root's row, which has every class. On the
                // way there, deep states (and, for other scripts, every state) follow their edges, else the
                // failure link.
                let ascii = kind & Self.wideBit == 0
                while true {
                    if ascii && s < denseCount {
                        t = d[s * narrow + Int(c)]
                        break
                    }
                    if !ascii && s == 0 {
                        t = rr[Int(c)]
                        break
                    }
                    var e = Int(es[s])
                    let e1 = Int(es[s + 1])
                    while e < e1 && ec[e] != c { e += 1 }
                    if e < e1 {
                        t = et[e]
                        break
                    }
                    s = Int(fl[s])
                }
                s = Int(t & ~flag)
                if t & flag != 0 {
                    let o0 = Int(os[s]), o1 = Int(os[s + 1])
                    let after: UInt8 = i + 1 < n ? text[i + 1] : 0x20
                    // Chinese and Japanese are written without spaces: next to such a character (inside
                    // or outside the match) a match needs no word boundary on that side.
                    let endsCJK = (i >= 2 && Self.isCJKLead(text[i - 2]) && b >= 0x80 && b < 0xC0) || Self.isCJKLead(after)
                    let afterPunct = after == 0xC2 && i + 2 < n && Self.isLatin1Punctuation(text[i + 2])
                    if !Self.isWordByte(after) || !Self.isWordByte(b) || endsCJK || afterPunct {
                        for j in o0..<o1 {
                            let p = Int(outs[j])
                            let start = i + 1 - patternLengths[p]
                            guard start >= 0 else { continue }
                            let before: UInt8 = start > 0 ? text[start - 1] : 0x20
                            let afterCJK = start >= 3 && Self.isCJKLead(text[start - 3]) && before >= 0x80 && before < 0xC0
                            let afterPunctuation = start >= 2 && text[start - 2] == 0xC2 && Self.isLatin1Punctuation(before)
                            if Self.isWordByte(before) && Self.isWordByte(text[start]) && !Self.isCJKLead(text[start]) && !afterCJK
                                && !afterPunctuation { continue }
                            hits.append(Hit(pattern: p, start: start, end: i + 1, token: token))
                            if hits.count >= limit { return }
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
