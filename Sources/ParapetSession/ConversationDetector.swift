import ParapetCore

/// A detector over a whole conversation window. Called after each turn is appended; pure.
public protocol ConversationDetector: Sendable {
    var id: String { get }
    func evaluate(_ session: inout SessionState, limits: SessionLimits) -> [Finding]
}
