/// Conversation cues found in one turn's text.
public struct CueSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Leans on an earlier answer ("expand on step 2", "now write it as an article").
    public static let backReference = CueSet(rawValue: 1)
    /// Asks for operational detail ("step by step", "quantities", "where to buy").
    public static let procedure = CueSet(rawValue: 2)
    /// Fictional or hypothetical framing ("in a story", "hypothetically").
    public static let fiction = CueSet(rawValue: 4)
    /// Persona or role-play set-up ("you are now", "stay in character").
    public static let persona = CueSet(rawValue: 8)
    /// Probing the model's instructions, tools and limits.
    public static let reconnaissance = CueSet(rawValue: 16)
}

/// Finds cue phrases at word boundaries in normalised (lower-case) text.
/// The lists are short (tens of phrases) and only user turns are scanned, so a direct search is enough.
public struct CueMatcher: Sendable {
    let phrases: [(CueSet, [UInt8])]

    public init(_ cues: ConversationSettings.Cues) {
        var p: [(CueSet, [UInt8])] = []
        func add(_ list: [String], _ c: CueSet) {
            for s in list where !s.isEmpty { p.append((c, Array(s.lowercased().utf8))) }
        }
        add(cues.backReference, .backReference)
        add(cues.procedure, .procedure)
        add(cues.fiction, .fiction)
        add(cues.persona, .persona)
        add(cues.reconnaissance, .reconnaissance)
        phrases = p
    }

    public func cues(in text: String) -> CueSet {
        var found = CueSet()
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { buf in
            let t = UnsafeBufferPointer(buf)
            for (cue, phrase) in phrases where !found.contains(cue) {
                if Self.containsWord(t, phrase) { found.insert(cue) }
            }
            return found
        }
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || b >= 0x80
    }

    static func containsWord(_ t: UnsafeBufferPointer<UInt8>, _ p: [UInt8]) -> Bool {
        let n = t.count, m = p.count
        guard m > 0, n >= m else { return false }
        let first = p[0]
        var i = 0
        while i <= n - m {
            if t[i] == first {
                var j = 1
                while j < m && t[i + j] == p[j] { j += 1 }
                if j == m {
                    let beforeOK = i == 0 || !isWordByte(t[i - 1]) || !isWordByte(first)
                    let afterOK = i + m == n || !isWordByte(t[i + m]) || !isWordByte(p[m - 1])
                    if beforeOK && afterOK { return true }
                }
            }
            i += 1
        }
        return false
    }
}

/// Content words of a text (lower case, 4+ letters, a small stop list removed), for overlap between turns.
enum ContentWords {
    static let stop: Set<String> = [
        "that", "this", "with", "what", "when", "where", "which", "would", "could", "should", "there", "their",
        "about", "from", "have", "your", "just", "like", "some", "them", "then", "they", "will", "want", "into",
        "more", "tell", "know", "does", "please", "thanks", "thank", "help", "make", "need", "also", "only",
    ]

    static func of(_ text: String) -> Set<String> {
        var out = Set<String>()
        var word = ""
        for ch in text.unicodeScalars {
            if ch.properties.isAlphabetic {
                word.unicodeScalars.append(ch)
            } else {
                if word.count >= 4 && !stop.contains(word) { out.insert(word) }
                word = ""
            }
        }
        if word.count >= 4 && !stop.contains(word) { out.insert(word) }
        return out
    }

    static func jaccard(_ a: Set<String>, _ b: Set<String>) -> Double {
        guard !a.isEmpty, !b.isEmpty else { return 0 }
        return Double(a.intersection(b).count) / Double(a.union(b).count)
    }
}
