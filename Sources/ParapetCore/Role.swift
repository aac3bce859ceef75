/// Who produced a message in a conversation.
public enum Role: String, Codable, Sendable, CaseIterable, Hashable {
    case user, assistant, system, tool, document

    /// Content that goes into the model (and can carry an attack).
    public var isModelInput: Bool { self != .assistant }
    /// Content that came from somewhere other than the user or the model (indirect-injection surface).
    public var isExternalContent: Bool { self == .tool || self == .document }
}
