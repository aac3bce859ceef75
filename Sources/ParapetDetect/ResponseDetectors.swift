import Foundation
import ParapetCore

// MARK: - Refusals

/// Model refusals ("I can't help with that", "I'm sorry, but ...", "As an AI ..."): `MessageScores.refusal`,
/// which the multi-turn detectors read (refusal followed by a rephrase). Position-aware: a refusal phrase near the
/// start of the response counts fully, later in the text much less. The phrases and the numbers are data:
/// `Resources/responses/refusals.yaml` (`RefusalPhrases`).
public struct RefusalDetector: MessageDetector {
    public let id = "refusal"
    /// The lists and scoring numbers this detector was built from (phrases as written, before folding).
    public let phrases: RefusalPhrases
    let strong: AhoCorasick
    let weak: AhoCorasick
    /// `phrases.notRefusalContinuations` as bytes.
    let notRefusalContinuations: [[UInt8]]
    let normalizer = Normalizer()
    /// Bytes from the start within which a refusal phrase counts fully.
    public var leadBytes: Int
    let middleBytes: Int
    let strongLead: Double, strongMiddle: Double, strongLate: Double
    let weakTwo: Double, weakOne: Double, weakElsewhere: Double, weakBonus: Double
    let longBytes: Int, longBelow: Double, longFactor: Double
    /// The refusal score from which an answer counts as a refusal: the indicator is added, and the policy raises
    /// no harmful-content alert on it (a refusal names the harm it declines).
    public static let refusedFrom = 0.5
    /// Phrase matches read per list: a refusal shows in its first few phrases, and a long answer that repeats a
    /// weak phrase many times should not cost a pass per repetition.
    static let matchLimit = 16

    /// With the shipped `refusals.yaml`.
    public init() {
        self.init(phrases: .shipped)
    }

    /// With lists loaded from a file (`RefusalPhrases.load(file:)`); phrases are folded as messages are.
    public init(phrases p: RefusalPhrases) {
        phrases = p
        let n = Normalizer()
        strong = AhoCorasick(patterns: p.strong.map { Array(n.fold($0).utf8) })
        weak = AhoCorasick(patterns: p.weak.map { Array(n.fold($0).utf8) })
        notRefusalContinuations = p.notRefusalContinuations.map { Array($0.utf8) }
        let s = p.scoring
        leadBytes = s.leadBytes
        middleBytes = s.middleBytes
        (strongLead, strongMiddle, strongLate) = (s.strong.lead, s.strong.middle, s.strong.late)
        (weakTwo, weakOne, weakElsewhere, weakBonus) = (s.weak.twoInLead, s.weak.oneInLead, s.weak.elsewhere, s.weakBonus)
        (longBytes, longBelow, longFactor) = (s.longAnswer.bytes, s.longAnswer.below, s.longAnswer.factor)
    }

    public func score(_ normalizedText: String) -> (Double, String?) {
        var hits: [AhoCorasick.Hit] = []
        var t = normalizedText
        var s = 0.0
        var match: String?
        t.withUTF8 { buf in
            strong.scan(buf, into: &hits, limit: Self.matchLimit)
            for h in hits {
                let end = h.end
                if notRefusalContinuations.contains(where: { c in
                    end + c.count <= buf.count && c.indices.allSatisfy { buf[end + $0] == c[$0] }
                }) { continue }
                let v = h.start < leadBytes ? strongLead : (h.start < middleBytes ? strongMiddle : strongLate)
                if v > s {
                    s = v
                    match = phrases.strong[h.pattern]
                }
            }
            hits.removeAll(keepingCapacity: true)
            weak.scan(buf, into: &hits, limit: Self.matchLimit)
            var lead = 0
            for h in hits where h.start < leadBytes { lead += 1 }
            let w = lead >= 2 ? weakTwo : (lead == 1 ? weakOne : (hits.isEmpty ? 0 : weakElsewhere))
            if w > s {
                s = w
                match = hits.first.map { phrases.weak[$0.pattern] }
            } else if s > 0 && lead > 0 {
                s = min(1, s + weakBonus)
            }
        }
        // Long answers that merely contain a polite caveat are not refusals.
        if s < longBelow, normalizedText.utf8.count > longBytes { s *= longFactor }
        return (s, match)
    }

    public func analyze(_ input: DetectorInput, into a: inout MessageAnalysis) {
        guard input.role == .assistant else { return }
        let (s, m) = score(input.normalized.text)
        guard s > 0 else { return }
        a.scores.refusal = max(a.scores.refusal, s)
        if s >= Self.refusedFrom {
            a.add(Indicator(id: "refusal:model_refusal", kind: "refusal", title: "The model refused", score: s, match: m))
        }
    }
}

// MARK: - Many-shot

/// Many-shot jailbreaking: one prompt holding many fake dialogue turns (Human:/Assistant:, User:/AI:, Q:/A: ...).
/// Sets `MessageScores.manyShot`; the finding is raised by the policy when it co-occurs with an attack or harm
/// signal, or when the fake dialogue is very long.
public struct ManyShotDetector: MessageDetector {
    public let id = "many_shot"
    /// Fake exchanges (pairs of turns) for a score of 0.5 / 1.0.
    public var halfAt = 4
    public var fullAt = 12

    static let speakers: [(String, Int)] = [
        ("human", 0), ("user", 0), ("q", 0), ("question", 0), ("person", 0), ("you", 0), ("me", 0), ("customer", 0),
        ("assistant", 1), ("ai", 1), ("a", 1), ("answer", 1), ("bot", 1), ("chatbot", 1), ("gpt", 1), ("chatgpt", 1),
        ("model", 1), ("claude", 1), ("agent", 1), ("response", 1),
    ]

    public init() {}

    /// Counts lines starting with a speaker label; returns the number of alternating exchanges.
    public func exchanges(_ text: String) -> Int {
        var side0 = 0, side1 = 0, switches = 0
        var last = -1
        var t = text
        t.withUTF8 { b in
            var i = 0
            let n = b.count
            while i < n {
                // at line start (skip markup such as '#', '*', '-', '>', spaces, digits + '.')
                var j = i
                while j < n, j - i < 8, b[j] == 0x20 || b[j] == 0x23 || b[j] == 0x2A || b[j] == 0x3E || b[j] == 0x2D || b[j] == 0x5B { j += 1 }
                var k = j
                while k < n, k - j < 12, (b[k] >= 0x61 && b[k] <= 0x7A) || b[k] == 0x20 { k += 1 }
                // label followed by ':' (or ']:'/'**:' markup)
                var m = k
                while m < n, m - k < 3, b[m] == 0x2A || b[m] == 0x5D { m += 1 }
                if m < n, b[m] == 0x3A, k > j {
                    var end = k
                    while end > j, b[end - 1] == 0x20 { end -= 1 }
                    let label = String(decoding: UnsafeBufferPointer(rebasing: b[j..<end]), as: UTF8.self)
                    if let side = Self.speakers.first(where: { $0.0 == label })?.1 {
                        if side == 0 { side0 += 1 } else { side1 += 1 }
                        if last >= 0 && side != last { switches += 1 }
                        last = side
                    }
                }
                // next line: memchr instead of a compare per byte (most lines are not labels; 2,700 -> about 200
                // instructions per 500-byte prompt)
                if let base = b.baseAddress, i < n, let nl = memchr(base + i, 0x0A, n - i) {
                    i = UnsafeRawPointer(nl) - UnsafeRawPointer(base)
                } else {
                    i = n
                }
                i += 1
            }
        }
        return min(min(side0, side1), (switches + 1) / 2)
    }

    public func analyze(_ input: DetectorInput, into a: inout MessageAnalysis) {
        guard input.role == .user || input.role.isExternalContent else { return }
        let text = input.normalized.text
        guard text.utf8.count > 200 else { return }
        let x = exchanges(text)
        guard x >= halfAt else { return }
        let s = x >= fullAt ? 1.0 : 0.5 + 0.5 * Double(x - halfAt) / Double(fullAt - halfAt)
        a.scores.manyShot = max(a.scores.manyShot, s)
        a.add(Indicator(id: "many_shot:fake_dialogue", kind: "many_shot", title: "Many fake dialogue turns in one message",
                        score: s, match: "\(x) exchanges"))
    }
}

// MARK: - Secrets

/// Credentials and secrets in any message (responses above all): API keys, tokens, private keys, connection strings.
/// A match is itself the alert (`credential_leak`). Placeholders (`sk-xxxx`, `YOUR_KEY`, AWS's EXAMPLE keys) are skipped.
public struct SecretsDetector: MessageDetector {
    public let id = "secrets"

    public struct Secret: Sendable, Hashable {
        public var kind: String
        public var subtype: String
        public var severity: Severity
        public var redacted: String
    }

    struct Prefix: Sendable {
        var prefix: [UInt8]
        var kind: String
        var subtype: String
        var minBody: Int
        var severity: Severity
        var body: @Sendable (UInt8) -> Bool
    }

    @inline(__always) static func alnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) }
    @inline(__always) static func upperNum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) }
    @inline(__always) static func tokenChar(_ c: UInt8) -> Bool { alnum(c) || c == 0x2D || c == 0x5F }
    /// First bytes of the key prefixes, and the other bytes that start a check ('-', ':', 'e').
    /// Key prefixes by first byte (indices into `prefixes`).
    static let byFirstByte: [[Int]] = {
        var t = [[Int]](repeating: [], count: 256)
        for (i, p) in prefixes.enumerated() { t[Int(p.prefix[0])].append(i) }
        return t
    }()
    /// Per byte: 1 = starts a check anywhere ('-' private key, ':' connection string), 2 = starts a check at a token
    /// boundary only (first bytes of key prefixes, 'e' of a JWT), 4 = token character.
    static let byteKinds: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 256)
        for p in prefixes { t[Int(p.prefix[0])] |= 2 }
        t[0x65] |= 2
        t[0x2D] |= 1
        t[0x3A] |= 1
        for c in 0..<256 where tokenChar(UInt8(c)) { t[c] |= 4 }
        return t
    }()

    /// `byteKinds` folded with the state "the byte before is a token character" (index 256 + byte, else byte):
    /// bit 0 says a check starts here, 0x100 is the state for the next byte. One lookup and one test a byte in
    /// `nextCandidate` (14 -> 9 instructions a byte).
    static let candidateSteps: [UInt16] = (0..<512).map { x in
        let f = byteKinds[x & 255], afterToken = x >= 256
        let start = f & 1 != 0 || (f & 2 != 0 && !afterToken)
        return (start ? 1 : 0) | (f & 4 != 0 ? 0x100 : 0)
    }

    /// The first index at or after `from` where a check can start (most bytes of ordinary text are skipped here:
    /// 'e' and 's' are common letters, but rarely the first letter of a word that is a key).
    static func nextCandidate(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> Int {
        candidateSteps.withUnsafeBufferPointer { steps in
            var i = from
            var state: UInt16 = i > 0 && byteKinds[Int(p[i - 1])] & 4 != 0 ? 0x100 : 0
            while i < p.count {
                let v = steps[Int(state | UInt16(p[i]))]
                if v & 1 != 0 { return i }
                state = v & 0x100
                i &+= 1
            }
            return i
        }
    }

    /// Bit (first byte << 8 | second byte) set for the first two bytes of every key prefix (all have at least 3).
    static let prefixPairs: [UInt64] = {
        var t = [UInt64](repeating: 0, count: 1024)
        for p in prefixes {
            let k = Int(p.prefix[0]) << 8 | Int(p.prefix[1])
            t[k >> 6] |= 1 << UInt64(k & 63)
        }
        return t
    }()

    @inline(__always) static func startsPrefix(_ a: UInt8, _ b: UInt8) -> Bool {
        let k = Int(a) << 8 | Int(b)
        return prefixPairs[k >> 6] & (1 << UInt64(k & 63)) != 0
    }

    static let prefixes: [Prefix] = [
        // (bodies: upperNum = [A-Z0-9], alnum = [A-Za-z0-9], tokenChar = alnum plus '-' and '_')
        Prefix(prefix: Array("AKIA".utf8), kind: "aws_access_key", subtype: "api_key", minBody: 16, severity: .high, body: { upperNum($0) }),
        Prefix(prefix: Array("ASIA".utf8), kind: "aws_access_key", subtype: "api_key", minBody: 16, severity: .high, body: { upperNum($0) }),
        Prefix(prefix: Array("ghp_".utf8), kind: "github_token", subtype: "token", minBody: 30, severity: .high, body: { alnum($0) }),
        Prefix(prefix: Array("gho_".utf8), kind: "github_token", subtype: "token", minBody: 30, severity: .high, body: { alnum($0) }),
        Prefix(prefix: Array("ghs_".utf8), kind: "github_token", subtype: "token", minBody: 30, severity: .high, body: { alnum($0) }),
        Prefix(prefix: Array("github_pat_".utf8), kind: "github_token", subtype: "token", minBody: 40, severity: .high, body: { tokenChar($0) }),
        Prefix(prefix: Array("glpat-".utf8), kind: "gitlab_token", subtype: "token", minBody: 20, severity: .high, body: { tokenChar($0) }),
        Prefix(prefix: Array("sk-ant-".utf8), kind: "anthropic_key", subtype: "api_key", minBody: 30, severity: .high, body: { tokenChar($0) }),
        Prefix(prefix: Array("sk-proj-".utf8), kind: "openai_key", subtype: "api_key", minBody: 30, severity: .high, body: { tokenChar($0) }),
        Prefix(prefix: Array("sk-".utf8), kind: "openai_key", subtype: "api_key", minBody: 32, severity: .high, body: { alnum($0) }),
        Prefix(prefix: Array("sk_live_".utf8), kind: "stripe_key", subtype: "api_key", minBody: 20, severity: .high, body: { alnum($0) }),
        Prefix(prefix: Array("rk_live_".utf8), kind: "stripe_key", subtype: "api_key", minBody: 20, severity: .high, body: { alnum($0) }),
        Prefix(prefix: Array("xoxb-".utf8), kind: "slack_token", subtype: "token", minBody: 20, severity: .high, body: { tokenChar($0) }),
        Prefix(prefix: Array("xoxp-".utf8), kind: "slack_token", subtype: "token", minBody: 20, severity: .high, body: { tokenChar($0) }),
        Prefix(prefix: Array("AIza".utf8), kind: "google_api_key", subtype: "api_key", minBody: 35, severity: .medium, body: { tokenChar($0) }),
        Prefix(prefix: Array("hf_".utf8), kind: "huggingface_token", subtype: "token", minBody: 30, severity: .medium, body: { alnum($0) }),
        Prefix(prefix: Array("npm_".utf8), kind: "npm_token", subtype: "token", minBody: 36, severity: .medium, body: { alnum($0) }),
    ]

    static let schemes = ["postgres://", "postgresql://", "mysql://", "mongodb://", "mongodb+srv://", "redis://", "rediss://",
                          "amqp://", "amqps://", "mssql://", "sqlserver://", "ftp://", "smtp://"]

    public init() {}

    /// Roles whose secrets raise an alert (a user pasting their own key is the user's business; a model or a tool
    /// returning one is a leak). Secrets in other roles are still reported as indicators.
    public var alertRoles: Set<Role> = [.assistant, .tool]

    public func analyze(_ input: DetectorInput, into a: inout MessageAnalysis) {
        guard input.role != .system else { return }
        let found = Self.scan(input.normalized.original)
        guard !found.isEmpty else { return }
        var inds: [Indicator] = []
        for s in found.prefix(5) {
            let ind = Indicator(id: "secret:" + s.kind, kind: "secret", title: "Secret: \(s.kind)", score: 1, match: s.redacted)
            a.add(ind)
            inds.append(ind)
        }
        let alerting = found.filter { $0.kind != "jwt" }
        if alertRoles.contains(input.role), let worst = alerting.max(by: { $0.severity < $1.severity }),
           !a.findings.contains(where: { $0.type == .credentialLeak }) {
            a.findings.append(Finding(type: .credentialLeak, subtype: worst.subtype, severity: worst.severity, confidence: 0.9,
                                      indicators: inds, scores: ["secrets": Double(found.count)], detector: id))
        }
    }

    /// All secrets in a raw text (case matters, so this reads the original, not the normalised text).
    public static func scan(_ text: String) -> [Secret] {
        var t = text
        return t.withUTF8 { scan(bytes: $0) }  // the string's own UTF-8 buffer: no copy of the text per message
    }

    static func scan(bytes b: UnsafeBufferPointer<UInt8>) -> [Secret] {
        var out: [Secret] = []
        let n = b.count
        func redact(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> String {
            let str = String(decoding: s, as: UTF8.self)
            return String(str.prefix(6)) + "…" + "[\(str.count) chars]"
        }
        let byFirstByte = Self.byFirstByte
        let prefixes = Self.prefixes
        var i = 0
        while i < n {
            i = nextCandidate(b, from: i)
            guard i < n else { break }
            let c = b[i]
            // key prefixes at a token boundary
            let atBoundary = i == 0 || !tokenChar(b[i - 1])
            // (the first two bytes checked against a bit table before any prefix is read: "e", "s", "a", "h" start
            // many ordinary words, and reading a prefix copies the whole entry)
            if atBoundary, i + 1 < n, startsPrefix(c, b[i + 1]) {
                for pi in byFirstByte[Int(c)] {
                    let p = prefixes[pi]
                    guard i + p.prefix.count <= n, b[i..<(i + p.prefix.count)].elementsEqual(p.prefix) else { continue }
                    var j = i + p.prefix.count
                    while j < n, p.body(b[j]) || (p.prefix == Array("sk-".utf8) && (b[j] == 0x2D || b[j] == 0x5F)) { j += 1 }
                    let body = b[(i + p.prefix.count)..<j]
                    if body.count >= p.minBody, (j == n || !tokenChar(b[j])), !isPlaceholder(body), entropy(body) >= 3.0 {
                        out.append(Secret(kind: p.kind, subtype: p.subtype, severity: p.severity, redacted: redact(b[i..<j])))
                        i = j
                        break
                    }
                }
            }
            // private keys
            if c == 0x2D, i + 16 < n, b[i..<(i + 11)].elementsEqual("-----BEGIN ".utf8) {
                var j = i + 11
                while j < n, j - i < 60, b[j] != 0x2D { j += 1 }
                let label = String(decoding: b[(i + 11)..<j], as: UTF8.self)
                if label.hasSuffix("PRIVATE KEY") {
                    // a real key has a body of base64 after the header
                    var k = j
                    while k < n, b[k] == 0x2D { k += 1 }
                    var body = 0
                    while k < n, body < 200, b[k] != 0x2D { if alnum(b[k]) { body += 1 }; k += 1 }
                    if body >= 64 {
                        out.append(Secret(kind: "private_key", subtype: "private_key", severity: .high, redacted: "-----BEGIN \(label)-----…"))
                    }
                }
            }
            // connection strings with an inline password: scheme://user:password@host
            if c == 0x3A, i >= 3, i + 3 < n, b[i + 1] == 0x2F, b[i + 2] == 0x2F {
                var s = i
                while s > 0, (alnum(b[s - 1]) || b[s - 1] == 0x2B) { s -= 1 }
                let scheme = String(decoding: b[s...(i + 2)], as: UTF8.self).lowercased()
                if schemes.contains(scheme) {
                    var j = i + 3
                    var colon = -1, at = -1
                    while j < n, j - i < 200, b[j] != 0x20, b[j] != 0x0A, b[j] != 0x22, b[j] != 0x27, b[j] != 0x2F {
                        if b[j] == 0x3A && colon < 0 { colon = j }
                        if b[j] == 0x40 { at = j }
                        j += 1
                    }
                    if colon > 0, at > colon + 1 {
                        let pw = b[(colon + 1)..<at]
                        if !isPlaceholder(pw), pw.count >= 6 {
                            out.append(Secret(kind: "connection_string", subtype: "connection_string", severity: .high,
                                              redacted: scheme + "…:[password]@…"))
                        }
                    }
                }
            }
            // JSON Web Tokens: eyJ....eyJ....sig
            if c == 0x65, atBoundary, i + 20 < n, b[i + 1] == 0x79, b[i + 2] == 0x4A {
                var j = i
                var dots = 0
                while j < n, tokenChar(b[j]) || b[j] == 0x2E { if b[j] == 0x2E { dots += 1 }; j += 1 }
                if dots == 2, j - i >= 60, b[(i + 3)..<j].firstRange(of: Array(".eyJ".utf8)) != nil {
                    out.append(Secret(kind: "jwt", subtype: "token", severity: .medium, redacted: redact(b[i..<j])))
                    i = j
                    continue
                }
            }
            i += 1
        }
        return out
    }

    static func isPlaceholder<Bytes: Collection<UInt8>>(_ s: Bytes) -> Bool {
        let l = String(decoding: s, as: UTF8.self).lowercased()
        for w in ["example", "your", "xxxx", "pass", "pwd", "user", "admin", "root", "<", ">", "****", "....", "<", "{", "$", "placeholder", "password", "passwd", "secret", "changeme", "redacted", "dummy", "sample", "test", "fake", "0000", "1234", "abcd"] where l.contains(w) {
            return true
        }
        return false
    }

    static func entropy<Bytes: Collection<UInt8>>(_ s: Bytes) -> Double {
        var counts = [Int](repeating: 0, count: 256)
        for c in s { counts[Int(c)] += 1 }
        let n = Double(s.count)
        var e = 0.0
        for c in counts where c > 0 {
            let p = Double(c) / n
            e -= p * log2(p)
        }
        return e
    }
}
