import Foundation

/// Address and user-agent lists for access alerts: Tor exits, threat-intelligence IPs, attack-tool agents.
public struct AccessLists: Sendable, Hashable {
    public var torExits: Set<String> = []
    public var suspiciousIPs: Set<String> = []
    public var suspiciousIPv4Blocks: [IPv4Block] = []
    /// Lower-case substrings.
    public var suspiciousUserAgents: [String] = []

    public init() {}

    public struct IPv4Block: Sendable, Hashable {
        public var network: UInt32
        public var mask: UInt32
        public func contains(_ ip: UInt32) -> Bool { ip & mask == network }
    }

    public func isTorExit(_ ip: String) -> Bool { torExits.contains(ip) }

    public func isSuspiciousIP(_ ip: String) -> Bool {
        if suspiciousIPs.contains(ip) { return true }
        guard !suspiciousIPv4Blocks.isEmpty, let v = Self.parseIPv4(ip) else { return false }
        return suspiciousIPv4Blocks.contains { $0.contains(v) }
    }

    /// The list entry matched by the user agent, if any.
    public func suspiciousAgentMatch(_ userAgent: String) -> String? {
        guard !suspiciousUserAgents.isEmpty else { return nil }
        let ua = userAgent.lowercased()
        return suspiciousUserAgents.first { ua.contains($0) }
    }

    /// Entries of a list file: trimmed lines without comments.
    public static func entries(ofList text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let s = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let t = s.trimmingCharacters(in: .whitespaces)
            return t.isEmpty ? nil : t
        }
    }

    public mutating func addIPs(fromList text: String, suspicious: Bool) {
        for e in Self.entries(ofList: text) {
            if suspicious, e.contains("/"), let b = Self.parseIPv4Block(e) {
                suspiciousIPv4Blocks.append(b)
            } else if suspicious {
                suspiciousIPs.insert(e)
            } else {
                torExits.insert(e)
            }
        }
    }

    public mutating func addUserAgents(fromList text: String) {
        suspiciousUserAgents += Self.entries(ofList: text).map { $0.lowercased() }
    }

    /// The shipped user-agent list.
    public static func bundled() -> AccessLists {
        var l = AccessLists()
        if let url = Bundle.module.url(forResource: "suspicious-user-agents", withExtension: "txt", subdirectory: "Resources/lists"),
           let text = try? String(contentsOf: url, encoding: .utf8) {
            l.addUserAgents(fromList: text)
        }
        return l
    }

    static func parseIPv4(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard let o = UInt8(p) else { return nil }
            v = v << 8 | UInt32(o)
        }
        return v
    }

    static func parseIPv4Block(_ s: String) -> IPv4Block? {
        let parts = s.split(separator: "/")
        guard parts.count == 2, let ip = parseIPv4(String(parts[0])), let bits = Int(parts[1]), (0...32).contains(bits)
        else { return nil }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
        return IPv4Block(network: ip & mask, mask: mask)
    }
}
