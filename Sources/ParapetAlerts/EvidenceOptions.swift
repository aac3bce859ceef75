import ParapetCore

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
    /// Longest excerpt, in characters (several matches in one message are joined with " … ").
    public var maxExcerptCharacters: Int = 600
    /// Evidence entries kept per alert (the first half and the latest ones).
    public var maxEvidence: Int = 24
    /// Event ids kept per alert (the first half and the latest ones); `event_count` holds the total.
    public var maxEventIDs: Int = 200
    /// Recent event ids remembered per incident to avoid counting one event twice.
    public var dedupeWindow: Int = 512
    /// A finding more than this long (event time) after a session incident's last event opens a new incident.
    public var suppressionWindowSeconds: Double = 3600
    /// The same for user-level incidents (wallet, access, repeated attacks).
    public var userSuppressionWindowSeconds: Double = 24 * 3600
    /// Per-type overrides of the suppression window.
    public var suppressionWindowByType: [AlertType: Double] = [:]
    /// An incident with new events gets a new version at least this often (event time), besides doubling.
    public var updateIntervalSeconds: Double = 900
    /// Versions emitted for growth alone; severity rises are always emitted.
    public var maxVersions: Int = 64
    /// Product version stamped into `detector.version`.
    public var detectorVersion: String = "parapet-0.1"

    public init() {}
}
