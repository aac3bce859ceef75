import Foundation
import ParapetCore

/// Suspicious URLs in prompts, documents, tool output and responses: blocklisted domains (a file, one domain a
/// line), punycode hosts, lookalikes of well-known domains, public IP-literal hosts, and markdown images whose URL
/// carries data in the query (a classic exfiltration channel after an indirect injection).
public struct URLDetector: MessageDetector {
    public let id = "url"
    public let blocklist: Set<String>
    public static let brands = [
        "google", "paypal", "microsoft", "apple", "amazon", "facebook", "instagram", "openai", "github", "netflix",
        "linkedin", "twitter", "outlook", "office365", "dropbox", "chase", "wellsfargo", "bankofamerica", "binance",
        "coinbase", "metamask", "anthropic", "icloud", "whatsapp", "telegram", "youtube", "yahoo", "steam",
    ]

    public init(blocklist: Set<String> = []) {
        self.blocklist = Set(blocklist.map { $0.lowercased() })
    }

    /// Reads a blocklist file: one domain a line; `#` comments and blank lines ignored.
    public static func loadBlocklist(path: String) throws -> Set<String> {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var s: Set<String> = []
        for line in text.split(whereSeparator: \.isNewline) {
            let t = line.trimmingCharacters(in: .whitespaces).lowercased()
            if t.isEmpty || t.hasPrefix("#") { continue }
            s.insert(t)
        }
        return s
    }

    public struct Suspicion: Sendable, Hashable {
        public var host: String
        public var reason: String
        public var score: Double
    }

    public func analyze(_ input: DetectorInput, into a: inout MessageAnalysis) {
        guard input.role != .system else { return }
        let text = input.normalized.original
        guard text.utf8.count >= 8 else { return }
        let found = check(text)
        guard let worst = found.max(by: { $0.score < $1.score }) else { return }
        var inds: [Indicator] = []
        for f in found.prefix(5) {
            let ind = Indicator(id: "url:" + f.reason, kind: "url", title: "Suspicious URL (\(f.reason))", score: f.score,
                                match: String(f.host.prefix(80)))
            a.add(ind)
            inds.append(ind)
        }
        guard worst.score >= 0.5, !a.findings.contains(where: { $0.type == .maliciousURL }) else { return }
        let subtype: String = switch input.role {
        case .user: "prompt"
        case .assistant: "response"
        case .tool: "tool_output"
        default: "document"
        }
        a.findings.append(Finding(type: .maliciousURL, subtype: subtype,
                                   severity: worst.score >= 0.9 ? .high : (worst.score >= 0.7 ? .medium : .low),
                                   confidence: worst.score, indicators: inds, detector: id))
    }

    /// All suspicious URLs in a raw text.
    public func check(_ text: String) -> [Suspicion] {
        var t = text
        return t.withUTF8 { check(bytes: $0) }  // the string's own UTF-8 buffer: no copy of the text per message
    }

    func check(bytes b: UnsafeBufferPointer<UInt8>) -> [Suspicion] {
        var out: [Suspicion] = []
        let n = b.count
        var i = 0
        // The first ':' at or after i + 4 (memchr): a scheme's ':' is at i + 4 or i + 5, so every start before
        // colon - 5 is skipped without reading it (a byte-by-byte look for "http" cost 11 instructions a byte).
        var colon = -1
        while i + 8 < n {
            if colon < i + 4 {
                guard let base = b.baseAddress, let p = memchr(base + i + 4, 0x3A, n - i - 4) else { break }
                colon = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
            }
            if colon - 5 > i {
                i = colon - 5
                continue
            }
            // find "http://" or "https://" (case-insensitive h)
            guard b[i] | 0x20 == 0x68, b[i + 1] | 0x20 == 0x74, b[i + 2] | 0x20 == 0x74, b[i + 3] | 0x20 == 0x70 else {
                i += 1
                continue
            }
            var j = i + 4
            if j < n, b[j] | 0x20 == 0x73 { j += 1 }
            guard j + 3 <= n, b[j] == 0x3A, b[j + 1] == 0x2F, b[j + 2] == 0x2F else {
                i += 1
                continue
            }
            let markdownImage = i >= 2 && b[i - 1] == 0x28 && b[i - 2] == 0x5D && Self.isImage(b, before: i - 2)
            let hs = j + 3
            var k = hs
            while k < n, b[k] != 0x2F, b[k] != 0x3F, b[k] != 0x23, b[k] != 0x20, b[k] != 0x0A, b[k] != 0x29, b[k] != 0x22,
                  b[k] != 0x27, b[k] != 0x3E, b[k] != 0x5D {
                k += 1
            }
            var hostBytes = b[hs..<k]
            if let at = hostBytes.lastIndex(of: 0x40) { hostBytes = b[(at + 1)..<k] }
            var host = String(decoding: hostBytes, as: UTF8.self).lowercased()
            if let colon = host.lastIndex(of: ":"), !host.hasPrefix("[") { host = String(host[..<colon]) }
            var e = k
            while e < n, b[e] != 0x20, b[e] != 0x0A, b[e] != 0x29, b[e] != 0x22 { e += 1 }
            let rest = String(decoding: b[k..<e], as: UTF8.self)
            if let f = judge(host: host, pathAndQuery: rest, markdownImage: markdownImage) { out.append(f) }
            i = max(e, i + 1)
            if out.count >= 16 { break }
        }
        return out
    }

    static func isImage(_ b: UnsafeBufferPointer<UInt8>, before close: Int) -> Bool {
        var j = close - 1
        var steps = 0
        while j >= 0, steps < 200 {
            if b[j] == 0x5B { return j > 0 && b[j - 1] == 0x21 }
            if b[j] == 0x0A { return false }
            j -= 1
            steps += 1
        }
        return false
    }

    func judge(host: String, pathAndQuery: String, markdownImage: Bool) -> Suspicion? {
        guard !host.isEmpty else { return nil }
        let h = host.hasSuffix(".") ? String(host.dropLast()) : host
        // blocklist: the host or any parent domain
        var labels = h.split(separator: ".").map(String.init)
        while labels.count >= 2 {
            if blocklist.contains(labels.joined(separator: ".")) { return Suspicion(host: h, reason: "blocklisted", score: 0.95) }
            labels.removeFirst()
        }
        if markdownImage, let q = pathAndQuery.firstIndex(of: "?"), pathAndQuery[q...].count >= 24 {
            return Suspicion(host: h, reason: "markdown_image_exfiltration", score: 0.75)
        }
        if h.split(separator: ".").contains(where: { $0.hasPrefix("xn--") }) {
            return Suspicion(host: h, reason: "punycode", score: 0.7)
        }
        if let ipScore = Self.ipLiteralScore(h) { return Suspicion(host: h, reason: "ip_literal", score: ipScore) }
        if let brand = lookalike(h) { return Suspicion(host: h, reason: "lookalike_\(brand)", score: 0.7) }
        return nil
    }

    /// Public IPv4 literal hosts score 0.5; loopback / private / link-local ranges are normal in code answers.
    static func ipLiteralScore(_ h: String) -> Double? {
        if h.hasPrefix("[") { return h.hasPrefix("[::1]") || h.hasPrefix("[fe80") || h.hasPrefix("[fc") || h.hasPrefix("[fd") ? nil : 0.5 }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: [Int] = []
        for p in parts {
            guard let x = Int(p), (0...255).contains(x), p.count <= 3 else { return nil }
            v.append(x)
        }
        if v[0] == 10 || v[0] == 127 || v[0] == 0 || (v[0] == 192 && v[1] == 168) || (v[0] == 172 && (16...31).contains(v[1]))
            || (v[0] == 169 && v[1] == 254) || (v[0] == 192 && v[1] == 0 && v[2] == 2) || (v[0] == 198 && (v[1] == 51 || v[1] == 18 || v[1] == 19))
            || (v[0] == 203 && v[1] == 0 && v[2] == 113) || v[0] >= 224 {
            return nil
        }
        return 0.5
    }

    /// A registrable label that is one edit (or a digit swap) away from a well-known brand, but not the brand.
    func lookalike(_ h: String) -> String? {
        let labels = h.split(separator: ".")
        guard labels.count >= 2 else { return nil }
        let name = String(labels[labels.count - 2])
        if Self.brands.contains(name) { return nil }
        let folded = String(name.map { c -> Character in
            switch c {
            case "0": "o"
            case "1": "l"
            case "3": "e"
            case "5": "s"
            case "4": "a"
            default: c
            }
        }).replacingOccurrences(of: "rn", with: "m").replacingOccurrences(of: "vv", with: "w")
        for brand in Self.brands where brand.count >= 5 {
            if folded == brand { return brand }
            if abs(folded.count - brand.count) <= 1 && Self.editDistance(folded, brand, limit: 1) == 1 { return brand }
            // brand glued to a phishing word: paypal-login, secure-paypal
            if name.contains("-") && name.split(separator: "-").contains(where: { $0 == brand }) { return brand }
        }
        return nil
    }

    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.utf8), y = Array(b.utf8)
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...max(x.count, 1) where !x.isEmpty {
            cur[0] = i
            var rowMin = cur[0]
            for j in 1...y.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
                rowMin = min(rowMin, cur[j])
            }
            if rowMin > limit { return limit + 1 }
            swap(&prev, &cur)
        }
        return prev[y.count]
    }
}

