/// One thing a detector matched: a rule, a classifier score over threshold, hidden Unicode, a secret, a URL...
/// Indicators become the evidence of an alert and the `indicators` of a verdict.
public struct Indicator: Codable, Sendable, Hashable {
    /// Stable id, e.g. `rule:jb.ignore_previous`, `model:jailbreak`, `unicode:tag_characters`.
    public var id: String
    /// What kind of detector produced it (rule, model, unicode, encoding, secret, url, refusal, session ...).
    public var kind: String
    public var title: String?
    public var score: Double?
    /// The matched text (normalised, at most a short excerpt); redacted before it leaves in an alert.
    public var match: String?

    public init(id: String, kind: String, title: String? = nil, score: Double? = nil, match: String? = nil) {
        self.id = id
        self.kind = kind
        self.title = title
        self.score = score
        self.match = match
    }
}
