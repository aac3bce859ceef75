/// Reading the little-endian fields of Parapet's binary model files (message model, embedding table).
enum LittleEndianBytes {
    /// The UInt32 at `at`, or nil when the bytes end first.
    static func u32(_ b: [UInt8], at: Int) -> Int? {
        guard at >= 0, at + 4 <= b.count else { return nil }
        return Int(UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24)
    }

    /// `count` Float32 values from `at` (the caller has checked the length).
    static func floats(_ b: [UInt8], at: Int, count: Int) -> [Float] {
        precondition(at + count * 4 <= b.count)
        var v = [Float](repeating: 0, count: count)
        b.withUnsafeBytes { raw in
            for i in 0..<count {
                v[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + i * 4, as: UInt32.self)))
            }
        }
        return v
    }
}
