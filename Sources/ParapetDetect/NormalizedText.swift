import ParapetCore

/// A message after normalisation: what rules and classifiers actually read.
public struct NormalizedText: Sendable, Hashable {
    /// The original text (possibly truncated to the analysis cap).
    public var original: String
    /// NFKC, case-folded, invisible characters removed, confusables and leetspeak folded.
    public var text: String
    /// Invisible / format characters removed (Cf, Co, Cn, variation selectors).
    public var invisibleCount: Int = 0
    /// ASCII text decoded from Unicode tag characters (U+E0000-U+E007F): ASCII smuggling.
    public var smuggledText: String?
    /// Decoded payloads (base64, hex, URL encoding, ROT13) found inside the text, normalised.
    public var decodedPayloads: [DecodedPayload] = []
    /// The original text was longer than the analysis cap and was cut.
    public var truncated: Bool = false

    public init(original: String, text: String) {
        self.original = original
        self.text = text
    }

    /// All the text a detector should scan: the normalised text, then hidden and decoded text.
    public var scanTexts: [String] {
        var t = [text]
        if let s = smuggledText { t.append(s) }
        t.append(contentsOf: decodedPayloads.map(\.text))
        return t
    }
}

public struct DecodedPayload: Sendable, Hashable {
    public enum Encoding: String, Sendable, Hashable {
        case base64, base32, hex, url, rot13, caesar, atbash, reversed, morse, binary, braille
        /// Quoted fragments joined back together (payload splitting: `a = "how to make a bo"; b = "mb"; answer a + b`).
        case split
        /// Letter-spaced words joined back (`m e t h` -> `meth`).
        case spaced
        /// Scrambled words put back (`mkae a bmob` -> `make a bomb`).
        case scrambled
        /// Punctuation inserted inside words dropped (`m.a;k!e` -> `make`).
        case punctuation
        /// Pig Latin read back (`akemay` -> `make`).
        case pigLatin = "pig_latin"
    }
    public var encoding: Encoding
    public var text: String
    public var depth: Int

    public init(encoding: Encoding, text: String, depth: Int) {
        self.encoding = encoding
        self.text = text
        self.depth = depth
    }
}
