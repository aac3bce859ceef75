import ParapetCore

/// What a message-level detector sees: the event, its normalised text, and where it sits.
public struct DetectorInput: Sendable {
    public var event: ChatEvent
    public var normalized: NormalizedText

    public init(event: ChatEvent, normalized: NormalizedText) {
        self.event = event
        self.normalized = normalized
    }

    public var role: Role { event.role }
}

/// One detector that judges one message. Detectors are pure: same input, same output.
/// They add scores and indicators; raising alerts from scores is the `DetectionPolicy`'s job,
/// except for detectors whose match is itself the alert (rules, secrets, hidden Unicode).
public protocol MessageDetector: Sendable {
    var id: String { get }
    func analyze(_ input: DetectorInput, into analysis: inout MessageAnalysis)
}
