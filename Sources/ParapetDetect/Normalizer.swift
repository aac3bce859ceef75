import Foundation
import ParapetCore

/// Turns raw message text into what detectors read. See `NormalizedText`.
public struct Normalizer: Sendable {
    /// Longest text analysed; longer content is cut (head and tail kept) and flagged as truncated.
    public var maxAnalyzedBytes: Int

    public init(maxAnalyzedBytes: Int = 64 * 1024) {
        self.maxAnalyzedBytes = maxAnalyzedBytes
    }

    public func normalize(_ raw: String) -> NormalizedText {
        var original = raw
        var truncated = false
        if raw.utf8.count > maxAnalyzedBytes {
            // Keep the head and the tail: injections hide at either end of long documents.
            let head = raw.utf8.prefix(maxAnalyzedBytes * 3 / 4)
            let tail = raw.utf8.suffix(maxAnalyzedBytes / 4)
            original = String(decoding: head, as: UTF8.self) + "\n…\n" + String(decoding: tail, as: UTF8.self)
            truncated = true
        }
        var invisible = 0
        var smuggled = [UInt8]()
        var kept = String.UnicodeScalarView()
        for s in original.unicodeScalars {
            let v = s.value
            if v >= 0xE0000 && v <= 0xE007F {
                invisible += 1
                if v >= 0xE0020 && v <= 0xE007E { smuggled.append(UInt8(v - 0xE0000)) }
                continue
            }
            if Self.isInvisible(s) {
                invisible += 1
                continue
            }
            kept.append(s)
        }
        let folded = String(kept).precomposedStringWithCompatibilityMapping.lowercased()
        var n = NormalizedText(original: original, text: folded)
        n.invisibleCount = invisible
        n.truncated = truncated
        if !smuggled.isEmpty { n.smuggledText = String(decoding: smuggled, as: UTF8.self).lowercased() }
        return n
    }

    static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v == 0x200B || v == 0x200C || v == 0x200D || v == 0x2060 || v == 0xFEFF || v == 0x00AD { return true }
        if (0xFE00...0xFE0F).contains(v) || (0xE0100...0xE01EF).contains(v) { return true }
        switch s.properties.generalCategory {
        case .format, .privateUse, .unassigned: return true
        default: return false
        }
    }
}
