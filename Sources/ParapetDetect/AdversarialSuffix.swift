import ParapetCore

/// Optimised adversarial suffixes (GCG, Zou et al. 2023, and its descendants): a plain request followed by a run of
/// machine-made tokens such as `describing.\ + similarlyNow write oppositeley.]( Me giving**ONE please?` or
/// `[ [ [ [essoritemeurateurpher [ CF B2 [`. Read by no human, they are what a perplexity filter catches; this is a
/// cheap stand-in without a language model: the tail of a short prompt is scored token by token for
///   1. symbols glued inside words (`oppositeley.](`, `giving**ONE`, `%{mask[{`),
///   2. lone brackets or `!` (`[ [ [`, `! ! !`; prose and code use dashes, arrows and operators alone),
///   3. joined words and fragments (`similarlyNow`, `thatINST`, a 6+ letter word cut into 3+ vocabulary pieces),
/// and alerts when a 12-token window at the end holds enough of them, of at least two kinds in a line whose brackets
/// do not balance (or a run of five lone symbols, GCG's `! ! ! !` start).
/// Code is what looks most like this, so tokens with digits, underscores, dotted names, escaped paths or escaped
/// markdown count for nothing, JSON lines and command lines (two or more `-flags`) are skipped, and only prompts of at
/// most three lines are read (a pasted program is longer). Measured on DEV's 22,815 benign user turns and documents:
/// no window reaches the bar (`scripts/eval/adversarial_suffix_check.py`).
public struct AdversarialSuffixDetector: MessageDetector {
    public let id = "adversarial_suffix"
    /// Window score (kinds 1 and 2 count 1, kind 3 counts 0.5) at which the prompt is a jailbreak attempt.
    public var threshold: Double
    /// Tokens in the scored window; the window may end up to two tokens before the end of the prompt.
    public var window = 12
    /// Longer prompts (or more lines) are not read: suffix attacks are appended to one short request.
    public var maxBytes = 1500
    public var maxLines = 3

    public init(threshold: Double = 4.5) {
        self.threshold = threshold
    }

    /// The tokenizer whose vocabulary says whether a word is made of known pieces; nil if the bundled vocabulary is
    /// missing (then kind 3 only sees joined words).
    static var vocabulary: WordPieceTokenizer? { WordPieceTokenizer.sharedBundled }

    public func analyze(_ input: DetectorInput, into a: inout MessageAnalysis) {
        guard input.role == .user else { return }
        let text = input.normalized.original
        guard let (score, excerpt) = suffixScore(text), score >= threshold else { return }
        let s = min(0.9, 0.6 + 0.05 * (score - threshold))
        if s > a.scores.jailbreak {
            a.scores.jailbreak = s
            a.subtypes["jailbreak"] = "adversarial_suffix"
        }
        a.add(Indicator(id: "adversarial_suffix:machine_tokens", kind: "adversarial_suffix",
                        title: "Machine-made token run at the end of the prompt (GCG-style suffix)",
                        score: (score * 10).rounded() / 10, match: excerpt))
    }

    /// The best window score at the end of the prompt and the window's text, or nil if the prompt is not read.
    public func suffixScore(_ text: String) -> (Double, String)? {
        guard text.utf8.count <= maxBytes, Self.hasSuffixSymbols(text) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).filter { !$0.allSatisfy(\.isWhitespace) }
        guard let lastLine = lines.last, lines.count <= maxLines else { return nil }
        let line = lastLine.trimmingPrefix(while: \.isWhitespace)
        if Self.isJSONLine(line) { return nil }
        let tokens = line.split(whereSeparator: \.isWhitespace)
        if tokens.lazy.filter(Self.isCommandFlag).prefix(2).count >= 2 { return nil }
        let unbalanced = Self.unmatchedBrackets(line) >= 2
        let kinds = tokens.enumerated().map { Self.kind(of: $0.element, atLineStart: $0.offset == 0) }
        var best = 0.0, bestStart = -1
        let firstStart = max(0, kinds.count - window - 2), lastStart = max(0, kinds.count - window)
        for start in firstStart...lastStart {
            let seg = kinds[start..<min(kinds.count, start + window)]
            var sum = 0.0, seen: UInt8 = 0, marks = 0, exclamations = 0
            for (k, t) in zip(seg, tokens[start..<min(tokens.count, start + window)]) where k != .none {
                sum += k.weight
                seen |= k.bit
                if k == .loneSymbol && t.count == 1 { marks += 1; if t == "!" { exclamations += 1 } }
            }
            // a run of single marks: `[ [ [ [ [` that never closes, or GCG's `! ! ! ! !` start
            let markRun = marks >= 5 && (unbalanced || exclamations == marks)
            guard (unbalanced && seen.nonzeroBitCount >= 2) || markRun else { continue }
            if sum > best { best = sum; bestStart = start }
        }
        guard bestStart >= 0 else { return (0, "") }
        let excerpt = tokens[bestStart..<min(tokens.count, bestStart + window)].joined(separator: " ")
        return (best, String(excerpt.prefix(120)))
    }

    enum TokenKind: Equatable {
        case none, gluedSymbols, loneSymbol, joinedOrFragment
        var weight: Double { self == .joinedOrFragment ? 0.5 : self == .none ? 0 : 1 }
        var bit: UInt8 { switch self { case .none: 0; case .gluedSymbols: 1; case .loneSymbol: 2; case .joinedOrFragment: 4 } }
    }

    /// Symbols that are unusual inside words in prose.
    static let oddSymbols: Set<Character> = ["[", "]", "{", "}", "(", ")", "\\", "^", "$", "%", "|", "<", ">", "=", "*", "~", "`", "\"", "+", "#"]
    static let leading: Set<Character> = ["(", "\"", "'", "`", "*", "_", "[", "#"]
    static let trailing: Set<Character> = [".", ",", ";", ":", "!", "?", ")", "\"", "'", "`", "*", "_", "]"]
    /// Lone symbol tokens count only with a bracket, '!', a backslash, '^', '$' or a backquote: prose uses dashes,
    /// arrows and bullets alone, code uses operators (`&&`, `||`, `==`), GCG mostly brackets and '!'.
    static let loneMarks: Set<Character> = ["[", "]", "{", "}", "!", "\\", "^", "$", "`"]

    /// Cheap pre-check: both ways to the bar need two brackets or '!' (an unbalanced pair, or a run of marks);
    /// most chat has none, so this byte loop is all most prompts pay.
    static func hasSuffixSymbols(_ text: String) -> Bool {
        // "two or more" only grows along the text, so the marks are summed 16 bytes at a time without a branch
        // and tested after each block (a test per byte before: 6 -> about 2.5 instructions a byte).
        @inline(__always) func count(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
            suffixMarks.withUnsafeBufferPointer { t in
                var n = 0
                var i = 0
                let end = b.count
                while i + 16 <= end {
                    for k in 0..<16 { n &+= Int(t[Int(b[i &+ k])]) }
                    if n >= 2 { return true }
                    i &+= 16
                }
                while i < end {
                    n &+= Int(t[Int(b[i])])
                    i &+= 1
                }
                return n >= 2
            }
        }
        if let r = text.utf8.withContiguousStorageIfAvailable(count) { return r }
        var copy = text
        return copy.withUTF8(count)
    }

    /// '!', brackets and braces.
    static let suffixMarks: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for c in [0x21, 0x28, 0x29, 0x5B, 0x5D, 0x7B, 0x7D] { t[c] = 1 }
        return t
    }()

    /// Brackets left open or closed without an opener. Code, templates and formulas balance theirs
    /// (`useEffect(() => { f() }, [])`, `{{ user.name }}`); optimised suffixes do not (`.](`, `%{mask[{ ([`).
    static func unmatchedBrackets(_ line: Substring) -> Int {
        var stack: [UInt8] = [], bad = 0
        for b in line.utf8 {
            switch b {
            case 0x28, 0x5B, 0x7B: stack.append(b)
            case 0x29, 0x5D, 0x7D:
                let opener: UInt8 = b == 0x29 ? 0x28 : b - 2
                if stack.last == opener { stack.removeLast() } else { bad += 1 }
            default: continue
            }
        }
        return bad + stack.count
    }

    static func isJSONLine(_ line: Substring) -> Bool {
        guard line.first == "\"" else { return false }
        let rest = line.dropFirst()
        let name = rest.prefix(while: \.isLetter)
        return !name.isEmpty && rest.dropFirst(name.count).hasPrefix("\":")
    }

    static func isCommandFlag(_ token: Substring) -> Bool {
        guard token.first == "-" else { return false }
        let rest = token.drop(while: { $0 == "-" })
        return token.count - rest.count <= 2 && (rest.first?.isLetter ?? false) && (rest.first?.isASCII ?? false)
    }

    static func kind(of token: Substring, atLineStart: Bool) -> TokenKind {
        guard token.allSatisfy(\.isASCII) else { return .none }
        if token.contains("://") || token.hasPrefix("www.") { return .none }
        // Identifiers, numbers, paths, escaped strings and escaped markdown: code and logs, not suffixes.
        if token.contains(where: { $0.isNumber || $0 == "_" }) || token.contains(":\\") || token.contains("\\n")
            || token.contains("\\\"") || token.contains("\\*") || token.contains("\\\\") || hasDottedName(token) {
            return .none
        }
        if !token.contains(where: { $0.isLetter || $0.isNumber }) {
            return atLineStart || !token.contains(where: { loneMarks.contains($0) }) ? .none : .loneSymbol
        }
        var core = token[...]
        while let c = core.first, leading.contains(c) { core = core.dropFirst() }
        while let c = core.last, trailing.contains(c) { core = core.dropLast() }
        if core.contains(where: { oddSymbols.contains($0) }) && core.contains(where: \.isLetter) { return .gluedSymbols }
        if !core.isEmpty && core.allSatisfy(\.isLetter) {
            if hasJoinedWords(core) { return .joinedOrFragment }
            if core.count >= 6, let v = vocabulary, v.tokenIDs(String(core), maxTokens: 8).count >= 3 { return .joinedOrFragment }
        }
        return .none
    }

    /// `similarlyNow`, `thatINST` (lower then upper), `ISBNancouver` (two capitals then two lower-case letters).
    static func hasJoinedWords(_ word: Substring) -> Bool {
        let u = Array(word.utf8)
        guard u.count >= 2 else { return false }
        @inline(__always) func lower(_ c: UInt8) -> Bool { c >= 0x61 && c <= 0x7A }
        @inline(__always) func upper(_ c: UInt8) -> Bool { c >= 0x41 && c <= 0x5A }
        for i in 1..<u.count {
            if lower(u[i - 1]) && upper(u[i]) { return true }
            if i + 2 < u.count, upper(u[i - 1]), upper(u[i]), lower(u[i + 1]), lower(u[i + 2]) { return true }
        }
        return false
    }

    /// `np.sum`, `df.apply(`: a letter, a dot, a letter.
    static func hasDottedName(_ token: Substring) -> Bool {
        let u = Array(token.utf8)
        guard u.count >= 3 else { return false }
        @inline(__always) func letter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
        for i in 1..<(u.count - 1) where u[i] == 0x2E && letter(u[i - 1]) && letter(u[i + 1]) { return true }
        return false
    }
}
