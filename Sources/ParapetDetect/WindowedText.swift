/// Overlapping windows of a long text (about `size` bytes, step `size / 2`, cut at spaces), so that one injected
/// sentence in a long document is scored on its own rather than diluted by the whole document.
public enum WindowedText {
    public static let size = 512
    public static let minLength = 640

    /// Byte ranges of the windows (empty when the text is short enough to be read whole).
    public static func ranges(_ b: UnsafeBufferPointer<UInt8>, size: Int = size) -> [Range<Int>] {
        var out: [Range<Int>] = []
        forEachRange(b, size: size) { out.append($0) }
        return out
    }

    /// Calls `body` with each window's byte range, in order (no array: the classifier reads every document's windows).
    @inline(__always)
    public static func forEachRange(_ b: UnsafeBufferPointer<UInt8>, size: Int = size, _ body: (Range<Int>) -> Void) {
        let n = b.count
        guard n >= minLength else { return }
        var start = 0
        while start < n {
            var end = min(n, start + size)
            if end < n {
                var e = end
                while e > start + size / 2, b[e] != 0x20, b[e] != 0x0A { e -= 1 }
                if e > start + size / 2 { end = e }
            }
            body(start..<end)
            if end >= n { break }
            var next = start + size / 2
            while next < end, b[next] != 0x20, b[next] != 0x0A { next += 1 }
            start = next < end ? next + 1 : end
        }
    }

    public static func windows(_ text: String) -> [String] {
        var t = text
        return t.withUTF8 { b in ranges(b).map { String(decoding: UnsafeBufferPointer(rebasing: b[$0]), as: UTF8.self) } }
    }

    /// Byte ranges of the lines worth scoring on their own (40 to 600 bytes), when the text has more than one:
    /// the unit of a table row, a code comment or an e-mail sentence, where a planted instruction is not diluted.
    public static func lineRanges(_ b: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        forEachLineRange(b) { out.append($0) }
        return out
    }

    /// Calls `body` with the same ranges as `lineRanges`, in order, without an array. A text of one line has none:
    /// its line is the text itself, so the first line is held back until a second line break is seen.
    @inline(__always)
    public static func forEachLineRange(_ b: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        // The first line's range (if it qualifies) waits until the text is known to have a second line.
        var first: Range<Int>?
        var start = 0
        var count = 0
        for i in 0...b.count where i == b.count || b[i] == 0x0A {
            count += 1
            if count == 2, let f = first { body(f) }
            if i - start >= 40 && i - start <= 600 {
                if count == 1 { first = start..<i } else { body(start..<i) }
            }
            start = i + 1
        }
    }
}
