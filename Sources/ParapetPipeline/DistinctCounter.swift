import Foundation
import ParapetCore

/// Counts distinct strings (e.g. session ids) in bounded memory: exactly up to `exactLimit` distinct values, then
/// as a HyperLogLog estimate (2^14 one-byte registers, 16 KB, about 0.8% standard error).
///
/// The exact phase keeps 64-bit hashes, not the strings (8 bytes a value plus the set's overhead; the chance of a
/// collision among a million values is about 3 in 100 million). Past the limit the hashes are folded into the
/// registers and dropped. Deterministic: the hash is seeded by constants, not per process.
public struct DistinctCounter: Sendable {
    public let exactLimit: Int
    private var hashes: Set<UInt64>? = []
    private var registers: [UInt8] = []
    static let precision = 14

    public init(exactLimit: Int = 1_000_000) { self.exactLimit = max(1, exactLimit) }

    /// True while `count` is exact; false once it is an estimate (more than `exactLimit` distinct values were seen).
    public var isExact: Bool { hashes != nil }

    public mutating func insert(_ value: String) {
        var v = value
        let h = v.withUTF8 { Self.hash($0) }
        if hashes != nil {
            hashes!.insert(h)
            if hashes!.count > exactLimit {
                registers = [UInt8](repeating: 0, count: 1 << Self.precision)
                for x in hashes! { add(x) }
                hashes = nil
            }
        } else {
            add(h)
        }
    }

    /// The exact count, or (past the limit) the estimate, never below `exactLimit + 1`.
    public var count: Int {
        if let hashes { return hashes.count }
        return max(exactLimit + 1, Int(estimate.rounded()))
    }

    private mutating func add(_ h: UInt64) {
        let p = UInt64(Self.precision)
        let index = Int(h >> (64 - p))
        let rank = UInt8(min((h << p).leadingZeroBitCount, 64 - Int(p)) + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    /// HyperLogLog (Flajolet et al. 2007) with the small-range (linear counting) correction; a 64-bit hash needs
    /// no large-range correction.
    private var estimate: Double {
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for r in registers {
            sum += 1 / Double(UInt64(1) << UInt64(r))
            if r == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let e = alpha * m * m / sum
        if e <= 2.5 * m, zeros > 0 { return m * log(m / Double(zeros)) }
        return e
    }

    /// FNV-1a, then the murmur3 64-bit finaliser so that every bit depends on every input byte.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var x = StableHash.fnv1a64(bytes)
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }
}
