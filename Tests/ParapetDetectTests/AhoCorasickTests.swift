import Testing
@testable import ParapetDetect

/// The automaton against a brute-force matcher: random phrases over a small alphabet (so that phrases share prefixes
/// and suffixes, and scans go deep and fall back through failure links), random texts, every hit compared.
@Suite struct AhoCorasickTests {
    /// Whole-word occurrences by direct comparison at every offset (ASCII text with single spaces).
    static func bruteForce(_ patterns: [[UInt8]], _ text: [UInt8]) -> [AhoCorasick.Hit] {
        func word(_ b: UInt8) -> Bool { AhoCorasick.isWordByte(b) }
        var hits: [AhoCorasick.Hit] = []
        for end in 1...max(text.count, 1) where end <= text.count {
            let token = text[0..<end].filter { $0 == 0x20 }.count
            for (p, pat) in patterns.enumerated() where pat.count <= end {
                let start = end - pat.count
                guard text[start..<end].elementsEqual(pat) else { continue }
                let beforeOK = start == 0 || !word(text[start - 1]) || !word(text[start])
                let afterOK = end == text.count || !word(text[end]) || !word(text[end - 1])
                if beforeOK && afterOK { hits.append(.init(pattern: p, start: start, end: end, token: token)) }
            }
        }
        return hits
    }

    static func sorted(_ h: [AhoCorasick.Hit]) -> [AhoCorasick.Hit] {
        h.sorted { ($0.end, $0.pattern) < ($1.end, $1.pattern) }
    }

    @Test func agreesWithBruteForceOnRandomPhrasesAndTexts() {
        var rng = SplitMix64(seed: 7)
        // "é" (two UTF-8 bytes) drives the non-ASCII classes, which only the root's row and the edges hold
        let alphabet = ["a", "b", " ", "c", ".", "é"].map { Array($0.utf8) }
        func randomString(_ length: Int) -> [UInt8] {
            var out: [UInt8] = []
            while out.count < length {
                let piece = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                if piece == [0x20] && (out.isEmpty || out.last == 0x20) { continue }  // single spaces, as after normalising
                out += piece
            }
            return out
        }
        for round in 0..<60 {
            var patterns: [[UInt8]] = []
            for _ in 0..<(5 + round) {
                var p = randomString(1 + Int(rng.next() % 7))
                while p.last == 0x20 { p.removeLast() }
                if !p.isEmpty && !patterns.contains(p) { patterns.append(p) }
            }
            // dense rows for the root only, two levels, and the default: the sparse states must agree with the rows
            let automata = [0, 2, AhoCorasick.denseDepth].map { AhoCorasick(patterns: patterns, denseDepth: $0) }
            for _ in 0..<20 {
                let text = randomString(Int(rng.next() % 60))
                let expected = Self.sorted(Self.bruteForce(patterns, text))
                for ac in automata {
                    var hits: [AhoCorasick.Hit] = []
                    text.withUnsafeBufferPointer { ac.scan($0, into: &hits) }
                    #expect(Self.sorted(hits) == expected)
                }
            }
        }
    }

    @Test func deepStatesKeepOnlyTheirEdges() {
        // Many long phrases: most states are deeper than the dense rows, so the tables stay far below a full
        // state x class table, and a long phrase still matches (through sparse edges) next to its own prefixes.
        let words = (0..<400).map { Array("phrase number \($0) with a long tail".utf8) }
        let ac = AhoCorasick(patterns: words + [Array("phrase".utf8)], denseDepth: 2)
        #expect(ac.tableBytes < ac.stateCount * ac.classCount * 4 / 4)
        let hits = ac.matches(in: "a phrase number 17 with a long tail here")
        #expect(Set(hits.map(\.pattern)) == [17, 400])
    }

    @Test func spanishAndFrenchPunctuationBoundsWords() {
        let ac = AhoCorasick(patterns: [Array("cómo puedo".utf8), Array("como".utf8), Array("poison".utf8)])
        #expect(ac.matches(in: "¿cómo puedo hacerlo?").map(\.pattern) == [0])
        #expect(ac.matches(in: "¡como!").map(\.pattern) == [1])
        #expect(ac.matches(in: "«poison»").map(\.pattern) == [2])
        // other non-ASCII neighbours are still letters: no match inside "pöison" or "poisoné"
        #expect(ac.matches(in: "poisoné").isEmpty)
        #expect(ac.matches(in: "époison").isEmpty)
    }
}
