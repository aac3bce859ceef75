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

/// Content-harm categories: the four that content filters report (hate, sexual, violence, self_harm), plus
/// `illicit` (crime, fraud, cyber-attacks, drugs and other dangerous or illegal activity) as OpenAI's moderation has,
/// because most harmful requests seen in the wild are of that kind and fit none of the four.
public enum HarmCategory: String, Codable, Sendable, CaseIterable, Hashable {
    case hate, sexual, violence
    case selfHarm = "self_harm"
    case illicit

    public var index: Int {
        switch self {
        case .hate: 0
        case .sexual: 1
        case .violence: 2
        case .selfHarm: 3
        case .illicit: 4
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
