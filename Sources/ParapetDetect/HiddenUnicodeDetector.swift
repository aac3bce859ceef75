import ParapetCore

/// ASCII smuggling: text hidden in Unicode tag characters, or unusually many invisible code points.
public struct HiddenUnicodeDetector: MessageDetector {
    public let id = "unicode.hidden"
    /// Invisible characters (outside tag characters) that alone make a message suspicious.
    public var invisibleThreshold: Int

    public init(invisibleThreshold: Int = 12) {
        self.invisibleThreshold = invisibleThreshold
    }

    public func analyze(_ input: DetectorInput, into a: inout MessageAnalysis) {
        let n = input.normalized
        if let hidden = n.smuggledText, hidden.count >= 3 {
            let ind = Indicator(id: "unicode:tag_characters", kind: "unicode", title: "Text hidden in Unicode tag characters",
                                score: 1, match: String(hidden.prefix(80)))
            a.add(ind)
            a.revealedText = hidden
            a.findings.append(Finding(type: .asciiSmuggling, subtype: "tag_characters", severity: .high, confidence: 0.95,
                                      indicators: [ind], scores: ["hidden_chars": Double(hidden.count)], detector: id))
        } else if n.invisibleCount >= invisibleThreshold {
            let ind = Indicator(id: "unicode:invisible_characters", kind: "unicode",
                                title: "Many invisible characters", score: Double(n.invisibleCount))
            a.add(ind)
            // Zero-width spaces, joiners and private-use glyphs are common in text pasted from web pages and
            // office documents, so on their own they are kept as an informational signal, not an alert.
            a.findings.append(Finding(type: .asciiSmuggling, subtype: "invisible_characters", severity: .informational,
                                      confidence: 0.3, indicators: [ind],
                                      scores: ["invisible_chars": Double(n.invisibleCount)], detector: id))
        }
    }
}
