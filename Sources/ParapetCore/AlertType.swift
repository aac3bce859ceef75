/// An alert type id from the catalog (`ParapetAlerts.AlertCatalog` holds titles, mappings and remediation).
/// A struct rather than an enum so that `harmful_content.<category>` and rule packs can name types as data.
public struct AlertType: RawRepresentable, Codable, Sendable, Hashable, Comparable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public static func < (a: AlertType, b: AlertType) -> Bool { a.rawValue < b.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public static let jailbreakDirect: AlertType = "jailbreak.direct"
    public static let jailbreakMultiTurn: AlertType = "jailbreak.multi_turn"
    public static let jailbreakManyShot: AlertType = "jailbreak.many_shot"
    public static let promptInjectionDirect: AlertType = "prompt_injection.direct"
    public static let promptInjectionIndirect: AlertType = "prompt_injection.indirect"
    public static let asciiSmuggling: AlertType = "ascii_smuggling"
    public static let credentialLeak: AlertType = "credential_leak"
    public static let systemPromptLeak: AlertType = "system_prompt_leak"
    public static let maliciousURL: AlertType = "malicious_url"
    public static let reconnaissance: AlertType = "reconnaissance"
    public static let walletDuplicateRequests: AlertType = "wallet.duplicate_requests"
    public static let walletVolumeAnomaly: AlertType = "wallet.volume_anomaly"
    public static let accessAnonymizedIP: AlertType = "access.anonymized_ip"
    public static let accessSuspiciousIP: AlertType = "access.suspicious_ip"
    public static let accessSuspiciousUserAgent: AlertType = "access.suspicious_user_agent"
    public static let toolAnomalousInvocation: AlertType = "tool.anomalous_invocation"
    /// One user (or address) attacking in several sessions.
    public static let userRepeatedAttacks: AlertType = "user.repeated_attacks"

    public static func harmfulContent(_ c: HarmCategory) -> AlertType { AlertType(rawValue: "harmful_content.\(c.rawValue)") }
}
