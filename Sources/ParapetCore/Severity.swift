/// Alert severity. `informational` is kept but not worth an analyst's time; `low` and up is an alert.
public enum Severity: String, Codable, Sendable, CaseIterable, Comparable, Hashable {
    case informational, low, medium, high

    public var rank: Int {
        switch self {
        case .informational: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }

    public init?(name: String) {
        switch name.lowercased() {
        case "informational", "info": self = .informational
        case "low": self = .low
        case "medium": self = .medium
        case "high": self = .high
        default: return nil
        }
    }
}

/// The four content-harm categories, as content filters report them.
public enum HarmCategory: String, Codable, Sendable, CaseIterable, Hashable {
    case hate, sexual, violence
    case selfHarm = "self_harm"

    public var index: Int {
        switch self {
        case .hate: 0
        case .sexual: 1
        case .violence: 2
        case .selfHarm: 3
        }
    }
}

/// Content-filter level for one harm category.
public enum HarmLevel: String, Codable, Sendable, CaseIterable, Comparable, Hashable {
    case safe, low, medium, high

    public var rank: Int {
        switch self {
        case .safe: 0
        case .low: 1
        case .medium: 2
        case .high: 3
        }
    }

    public static func < (a: HarmLevel, b: HarmLevel) -> Bool { a.rank < b.rank }
}
