import Foundation
import ParapetCore

/// Builds the excerpt of a message for an alert: windows around the matched indicators, redacted by default.
public struct EvidenceBuilder: Sendable {
    public var options: AlertOptions
    let redactor = Redactor()

    public init(options: AlertOptions) {
        self.options = options
    }

    public func excerpt(of text: String, around matches: [String]) -> String? {
        switch options.evidenceText {
        case .none: return nil
        case .redacted: return window(text, matches, redact: true)
        case .full: return window(text, matches, redact: false)
        }
    }

    /// Up to three windows of `excerptContext` characters around the first occurrences of the matches (or the
    /// start of the text when none is found), merged when they overlap, cut at whitespace so that no partial
    /// token (half a secret) survives at an edge, redacted piece by piece, joined with " … ".
    func window(_ text: String, _ matches: [String], redact: Bool) -> String {
        let ctx = max(8, options.excerptContext)
        var ranges: [Range<String.Index>] = []
        for m in matches where m.count >= 3 {
            guard ranges.count < 3 else { break }
            if let r = text.range(of: m, options: [.caseInsensitive]) {
                ranges.append(r)
            } else if let r = Self.longestWord(of: m).flatMap({ text.range(of: $0, options: [.caseInsensitive]) }) {
                // Indicator matches are normalised (NFKC, folded); the raw text may differ: anchor on a word of it.
                ranges.append(r)
            }
        }
        var windows: [(String.Index, String.Index)] = []
        if ranges.isEmpty {
            let end = text.index(text.startIndex, offsetBy: ctx * 2, limitedBy: text.endIndex) ?? text.endIndex
            windows = [(text.startIndex, end)]
        } else {
            for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                let lo = text.index(r.lowerBound, offsetBy: -ctx, limitedBy: text.startIndex) ?? text.startIndex
                let matchEnd = text.index(r.lowerBound, offsetBy: ctx, limitedBy: r.upperBound) ?? r.upperBound
                let hi = text.index(matchEnd, offsetBy: ctx, limitedBy: text.endIndex) ?? text.endIndex
                if let last = windows.last, lo <= last.1 {
                    windows[windows.count - 1].1 = max(last.1, hi)
                } else {
                    windows.append((lo, hi))
                }
            }
        }
        var pieces: [String] = []
        var budget = max(ctx * 2, options.maxExcerptCharacters)
        for (lo, hi) in windows where budget > 0 {
            var piece = Substring(text[lo..<hi])
            if piece.count > budget { piece = piece.prefix(budget) }
            let cutStart = lo > text.startIndex
            let cutEnd = piece.endIndex < text.endIndex
            // A token cut in half at an edge is dropped (half a secret would escape the redactor's patterns).
            let midStart = cutStart && !text[text.index(before: lo)].isWhitespace && !(piece.first?.isWhitespace ?? true)
            let midEnd = cutEnd && !text[piece.endIndex].isWhitespace && !(piece.last?.isWhitespace ?? true)
            piece = Self.trimPartialTokens(piece, start: midStart, end: midEnd)
            budget -= piece.count
            var s = Self.flatten(piece)
            if redact { s = redactor.redact(s) }
            if cutStart { s = "…" + s }
            if cutEnd { s += "…" }
            pieces.append(s)
        }
        return pieces.joined(separator: " ")
    }

    static func longestWord(of s: String) -> String? {
        let w = s.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).max { $0.count < $1.count }
        return w.flatMap { $0.count >= 4 ? String($0) : nil }
    }

    /// Drops the token cut in half at either edge (unless the whole piece is one token).
    static func trimPartialTokens(_ s: Substring, start: Bool, end: Bool) -> Substring {
        var out = s
        if start, let first = out.firstIndex(where: \.isWhitespace) { out = out[first...] }
        if end, let last = out.lastIndex(where: \.isWhitespace) { out = out[..<last] }
        return out.trimmingPrefix(while: \.isWhitespace)
    }

    /// One line: newlines, tabs and other control characters become spaces.
    static func flatten(_ s: Substring) -> String {
        var out = String.UnicodeScalarView()
        var lastSpace = false
        for u in s.unicodeScalars {
            let isControl = u.properties.generalCategory == .control || u == "\u{2028}" || u == "\u{2029}"
            if isControl || u == " " {
                if !lastSpace { out.append(" ") }
                lastSpace = true
            } else {
                out.append(u)
                lastSpace = false
            }
        }
        return String(out)
    }
}

extension Substring {
    func trimmingPrefix(while p: (Character) -> Bool) -> Substring {
        guard let i = firstIndex(where: { !p($0) }) else { return self[endIndex...] }
        return self[i...]
    }
}
