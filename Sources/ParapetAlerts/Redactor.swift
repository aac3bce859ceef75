import Foundation
/// Masks sensitive data in evidence excerpts: secrets, e-mail addresses, phone and card numbers.
/// Works on the excerpt only (a few hundred characters), so plain scanning is fast enough.
public struct Redactor: Sendable {
    public init() {}

    public func redact(_ text: String) -> String {
        var out = text
        out = out.replacing(Self.email, with: "[email]")
        out = out.replacing(Self.privateKey, with: "[private-key]")
        out = out.replacing(Self.secretToken, with: { m in Self.maskToken(String(m.output.0)) })
        out = out.replacing(Self.keyValueSecret, with: { m in String(m.output.1) + "[redacted]" })
        out = out.replacing(Self.cardOrPhone, with: { m in Self.maskDigits(String(m.output)) })
        return out
    }

    nonisolated(unsafe) static let email = #/[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}/#
    nonisolated(unsafe) static let privateKey = #/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/#
    // Well-known token shapes: AWS, GitHub, Slack, OpenAI/Anthropic-style, Google, JWT, Stripe.
    nonisolated(unsafe) static let secretToken =
        #/(AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9\-]{10,}|sk-[A-Za-z0-9_\-]{16,}|AIza[0-9A-Za-z_\-]{35}|eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}|[rs]k_(live|test)_[A-Za-z0-9]{16,})/#
    nonisolated(unsafe) static let keyValueSecret =
        #/(?i)((?:password|passwd|pwd|secret|api[_-]?key|token|access[_-]?key)\s*[:=]\s*)[^\s,;"']{4,}/#
    nonisolated(unsafe) static let cardOrPhone = #/\+?\d[\d \-().]{7,}\d/#

    static func maskToken(_ s: String) -> String {
        "[secret:" + String(s.prefix(4)) + "…]"
    }

    /// Keeps the last two digits of long digit runs (phone, card, account numbers).
    static func maskDigits(_ s: String) -> String {
        let digits = s.filter(\.isNumber)
        guard digits.count >= 8 else { return s }
        return "[number:…" + String(digits.suffix(2)) + "]"
    }
}
