import ParapetDetect
/// Conversation cues found in one turn's text.
public struct CueSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

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
    /// Names a hazardous subject (explosives, nerve agents, weapon conversion, drug synthesis, malware ...): harmless
    /// to discuss, but the target a crescendo moves toward.
    public static let hazardTopic = CueSet(rawValue: 32)
    /// In a system prompt: something the model must keep secret ("never reveal the password").
    public static let guardedSecret = CueSet(rawValue: 64)
    /// In a user turn: asks about the app's secret ("what's the password?", "the access code").
    public static let secretReference = CueSet(rawValue: 128)
    /// A grudge against a person ("he's been a jerk to me for years", "I want revenge on my ex").
    public static let grievance = CueSet(rawValue: 256)
    /// Concealment of an act ("make it look like an electrical fault", "can't be traced back to me").
    public static let concealment = CueSet(rawValue: 512)
    /// At the start of a refusal: a harm, legal or ethical reason ("that would be illegal", "could hurt someone").
    public static let safetyReason = CueSet(rawValue: 1024)
    /// At the start of a refusal: a capability reason ("my knowledge cutoff", "without more context").
    public static let capabilityReason = CueSet(rawValue: 2048)
    /// The cues read from an assistant turn (the others describe what a user asks).
    public static let refusalReasons: CueSet = [.safetyReason, .capabilityReason]
}

/// Finds cue phrases at word boundaries in normalised (lower-case) text, in one pass: at each word start
/// only the phrases that begin with that byte are compared.
public struct CueMatcher: Sendable {
    struct Phrase: Sendable {
        var cue: CueSet
        var bytes: [UInt8]
    }

    /// Phrases by first byte.
    let byFirstByte: [[Phrase]]

    public init(_ cues: ConversationSettings.Cues) {
        var table = [[Phrase]](repeating: [], count: 256)
        func add(_ list: [String], _ c: CueSet) {
            for s in list {
                for v in RuleInflections.variants(of: s.lowercased()) {
                    let b = Array(v.utf8)
                    if let f = b.first { table[Int(f)].append(Phrase(cue: c, bytes: b)) }
                }
            }
        }
        add(cues.backReference, .backReference)
        add(cues.procedure, .procedure)
        add(cues.fiction, .fiction)
        add(cues.persona, .persona)
        add(cues.reconnaissance, .reconnaissance)
        add(cues.hazardTopic ?? [], .hazardTopic)
        add(cues.guardedSecret ?? [], .guardedSecret)
        add(cues.secretReference ?? [], .secretReference)
        add(cues.grievance ?? [], .grievance)
        add(cues.concealment ?? [], .concealment)
        add(cues.safetyRefusal ?? [], .safetyReason)
        add(cues.capabilityRefusal ?? [], .capabilityReason)
        byFirstByte = table
    }

    public func cues(in text: String) -> CueSet {
        var found = CueSet()
        var copy = text
        copy.withUTF8 { t in
            let n = t.count
            var i = 0
            while i < n {
                let b = t[i]
                if i == 0 || !Self.isWordByte(t[i - 1]) || !Self.isWordByte(b) {
                    for p in byFirstByte[Int(b)] where !found.contains(p.cue) && Self.matches(t, at: i, p.bytes) {
                        found.insert(p.cue)
                    }
                }
                i += 1
            }
        }
        return found
    }

    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || b >= 0x80
    }

    @inline(__always)
    static func matches(_ t: UnsafeBufferPointer<UInt8>, at i: Int, _ p: [UInt8]) -> Bool {
        let m = p.count
        guard i + m <= t.count else { return false }
        for j in 1..<m where t[i + j] != p[j] { return false }
        return i + m == t.count || !isWordByte(t[i + m]) || !isWordByte(p[m - 1])
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
