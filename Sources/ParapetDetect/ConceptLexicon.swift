import Foundation

/// Word classes ("concepts") that the message model reads as extra features, so that what it learns about one word
/// carries over to the other words of its class (a model trained on "steal a car" also weighs "rob a bike").
///
/// The lexicon is data (`Resources/models/concepts.txt`, one `name: word word ...` line per concept; `-s`, `-es`,
/// `-ed`, `-ing`, `-er`, `-ers` forms are added at load time). A model trained with a lexicon carries its text in
/// the model header, so the features at run time are always those the weights were trained on.
///
/// Features (added to the hashed n-grams): one per concept occurrence and one per pair of different concepts at most
/// `pairWindow` words apart, each emitted `weight` times (a stronger feature than a single n-gram; measured on the
/// source-held-out folds: EVALUATION.md).
public struct ConceptLexicon: Sendable, Hashable {
    public static let pairWindow = 8
    public static let weight = 4

    /// The lexicon text as read (stored in the model header).
    public let source: String
    public let names: [String]
    /// Open-addressing table: word hash (FNV-1a of the word's bytes, as in `NGramFeatures`) -> concept id + 1.
    let keys: [UInt64]
    let values: [UInt8]
    let mask: Int

    public enum LexiconError: Error, CustomStringConvertible, Sendable {
        case malformed(line: Int, String)
        public var description: String {
            switch self {
            case .malformed(let line, let why): "concept lexicon, line \(line): \(why)"
            }
        }
    }

    public init(text: String) throws {
        var names: [String] = []
        var words: [(String, Int)] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            guard let colon = line.firstIndex(of: ":") else { throw LexiconError.malformed(line: n + 1, "expected 'name: words'") }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, !names.contains(name) else { throw LexiconError.malformed(line: n + 1, "missing or repeated concept name '\(name)'") }
            guard names.count < 250 else { throw LexiconError.malformed(line: n + 1, "more than 250 concepts") }
            names.append(name)
            let list = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !list.isEmpty else { throw LexiconError.malformed(line: n + 1, "concept '\(name)' has no words") }
            for w in list {
                let word = w.lowercased()
                guard word.utf8.allSatisfy(NGramFeatures.isWordByte) else {
                    throw LexiconError.malformed(line: n + 1, "'\(word)' is not one word (letters and digits only)")
                }
                words.append((word, names.count - 1))
            }
        }
        // First class wins for a word listed twice (also for a generated form that is another listed word).
        var table: [UInt64: UInt8] = [:]
        for (word, id) in words where table[Self.hash(word)] == nil { table[Self.hash(word)] = UInt8(id + 1) }
        for (word, id) in words {
            for suffix in ["s", "es", "ed", "ing", "er", "ers"] where table[Self.hash(word + suffix)] == nil {
                table[Self.hash(word + suffix)] = UInt8(id + 1)
            }
        }
        var size = 64
        while size < table.count * 4 { size <<= 1 }
        var k = [UInt64](repeating: 0, count: size), v = [UInt8](repeating: 0, count: size)
        for (h, id) in table.sorted(by: { $0.key < $1.key }) {
            var i = Int(truncatingIfNeeded: NGramFeatures.mix(h)) & (size - 1)
            while v[i] != 0 { i = (i + 1) & (size - 1) }
            k[i] = h
            v[i] = id
        }
        self.source = text
        self.names = names
        self.keys = k
        self.values = v
        self.mask = size - 1
    }

    /// The lexicon shipped in `Resources/models/concepts.txt` (what `parapet train` uses unless told otherwise).
    public static func bundled() throws -> ConceptLexicon {
        guard let url = Bundle.module.url(forResource: "Resources/models/concepts", withExtension: "txt") else {
            throw ModelError.corrupt("Resources/models/concepts.txt is missing from the bundle")
        }
        return try ConceptLexicon(text: String(contentsOf: url, encoding: .utf8))
    }

    static func hash(_ word: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in word.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// Concept id + 1 of a word given by its hash, or 0.
    @inline(__always) func lookup(_ h: UInt64) -> Int {
        var i = Int(truncatingIfNeeded: NGramFeatures.mix(h)) & mask
        return keys.withUnsafeBufferPointer { k in
            values.withUnsafeBufferPointer { v in
                while v[i] != 0 {
                    if k[i] == h { return Int(v[i]) }
                    i = (i + 1) & mask
                }
                return 0
            }
        }
    }

    /// The concepts of a normalised text in order, as names (for tests and `parapet scan --explain`-style tools).
    public func concepts(in text: String) -> [String] {
        var out: [String] = []
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        var inWord = false
        for b in text.utf8 + [0x20] {
            if NGramFeatures.isWordByte(b) {
                h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3
                inWord = true
            } else if inWord {
                let c = lookup(h)
                if c > 0 { out.append(names[c - 1]) }
                h = 0xcbf2_9ce4_8422_2325
                inWord = false
            }
        }
        return out
    }
}
