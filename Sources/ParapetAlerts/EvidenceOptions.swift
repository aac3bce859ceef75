/// How much message text an alert carries.
public enum EvidenceText: String, Sendable, Codable, CaseIterable {
    /// Excerpts around the matched indicators, with secrets and personal data masked (default).
    case redacted
    /// Excerpts without masking (for forensic use on trusted storage).
    case full
    /// No text at all: indicators and scores only.
    case none
}

public struct AlertOptions: Sendable, Hashable {
    public var evidenceText: EvidenceText = .redacted
    /// Characters of context on each side of a match.
    public var excerptContext: Int = 120
    /// Evidence entries kept per alert (first ones and the latest ones).
    public var maxEvidence: Int = 24
    /// A finding more than this long (event time) after an incident's last event opens a new incident.
    public var suppressionWindowSeconds: Double = 3600
    /// Product version stamped into `detector.version`.
    public var detectorVersion: String = "parapet-0.1"

    public init() {}
}
