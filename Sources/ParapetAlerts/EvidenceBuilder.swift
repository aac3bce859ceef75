import Foundation
import ParapetCore

/// Builds the excerpt of a message for an alert: a window around the first matched indicator, redacted.
public struct EvidenceBuilder: Sendable {
    public var options: AlertOptions
    let redactor = Redactor()

    public init(options: AlertOptions) {
        self.options = options
    }

    public func excerpt(of text: String, around matches: [String]) -> String? {
        switch options.evidenceText {
        case .none: return nil
        case .redacted: return redactor.redact(window(text, matches))
        case .full: return window(text, matches)
        }
    }

    func window(_ text: String, _ matches: [String]) -> String {
        let ctx = options.excerptContext
        let lower = text.lowercased()
        for m in matches where m.count >= 3 {
            if let r = lower.range(of: m.lowercased()), lower.count == text.count {
                let start = lower.distance(from: lower.startIndex, to: r.lowerBound)
                let end = lower.distance(from: lower.startIndex, to: r.upperBound)
                return slice(text, from: max(0, start - ctx), to: min(text.count, end + ctx))
            }
        }
        return slice(text, from: 0, to: min(text.count, ctx * 2))
    }

    func slice(_ text: String, from: Int, to: Int) -> String {
        let a = text.index(text.startIndex, offsetBy: from)
        let b = text.index(text.startIndex, offsetBy: to)
        var s = String(text[a..<b]).replacingOccurrences(of: "\n", with: " ")
        if from > 0 { s = "…" + s }
        if to < text.count { s += "…" }
        return s
    }
}
