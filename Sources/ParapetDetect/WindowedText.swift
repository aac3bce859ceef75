/// Overlapping windows of a long text (about `size` bytes, step `size / 2`, cut at spaces), so that one injected
/// sentence in a long document is scored on its own rather than diluted by the whole document.
public enum WindowedText {
    public static let size = 512
    public static let minLength = 640

    /// Byte ranges of the windows (empty when the text is short enough to be read whole).
    public static func ranges(_ b: UnsafeBufferPointer<UInt8>, size: Int = size) -> [Range<Int>] {
        let n = b.count
        guard n >= minLength else { return [] }
        var out: [Range<Int>] = []
        var start = 0
        while start < n {
            var end = min(n, start + size)
            if end < n {
                var e = end
                while e > start + size / 2, b[e] != 0x20, b[e] != 0x0A { e -= 1 }
                if e > start + size / 2 { end = e }
            }
            out.append(start..<end)
            if end >= n { break }
            var next = start + size / 2
            while next < end, b[next] != 0x20, b[next] != 0x0A { next += 1 }
            start = next < end ? next + 1 : end
        }
        return out
    }

    public static func windows(_ text: String) -> [String] {
        var t = text
        return t.withUTF8 { b in ranges(b).map { String(decoding: UnsafeBufferPointer(rebasing: b[$0]), as: UTF8.self) } }
    }

    /// Byte ranges of the lines worth scoring on their own (40 to 600 bytes), when the text has more than one:
    /// the unit of a table row, a code comment or an e-mail sentence, where a planted instruction is not diluted.
    public static func lineRanges(_ b: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        var count = 0
        for i in 0...b.count where i == b.count || b[i] == 0x0A {
            count += 1
            if i - start >= 40 && i - start <= 600 { out.append(start..<i) }
            start = i + 1
        }
        return count > 1 ? out : []
    }
}
