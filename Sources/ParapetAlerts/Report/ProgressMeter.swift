import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum ProgressMode: String, Sendable, CaseIterable {
    /// A bar when stderr is a terminal, plain periodic lines otherwise.
    case auto
    case bar
    case lines
    case none
}

/// Progress of a long replay on stderr: a bar with rate and time left on a terminal, or a plain line every few
/// seconds otherwise (logs, CI). The total is the expected uncompressed input size when it is known.
public final class ProgressMeter {
    public let enabled: Bool
    let bar: Bool
    let totalBytes: Int64?
    let started = Date()
    var lastLine = Date.distantPast
    var drewBar = false
    /// Seconds between plain lines.
    public var lineInterval = 5.0
    let write: (String) -> Void

    public init(mode: ProgressMode, totalBytes: Int64?, isTerminal: Bool = isatty(2) == 1,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.totalBytes = totalBytes.flatMap { $0 > 0 ? $0 : nil }
        self.write = write
        switch mode {
        case .none: (enabled, bar) = (false, false)
        case .bar: (enabled, bar) = (true, true)
        case .lines: (enabled, bar) = (true, false)
        case .auto: (enabled, bar) = (true, isTerminal)
        }
    }

    /// Expected bytes of the inputs once decompressed: file sizes, or the gzip trailer's ISIZE for `.gz` files;
    /// nil when unknown (stdin).
    public static func expectedBytes(_ paths: [String]) -> Int64? {
        var total: Int64 = 0
        for p in paths {
            guard p != "-", let attrs = try? FileManager.default.attributesOfItem(atPath: p),
                  let size = (attrs[.size] as? NSNumber)?.int64Value else { return nil }
            if p.hasSuffix(".gz"), size >= 18, let h = FileHandle(forReadingAtPath: p) {
                defer { try? h.close() }
                try? h.seek(toOffset: UInt64(size - 4))
                let b = [UInt8](h.readData(ofLength: 4))
                let isize = b.count == 4 ? Int64(b[0]) | Int64(b[1]) << 8 | Int64(b[2]) << 16 | Int64(b[3]) << 24 : 0
                // ISIZE is the size modulo 2^32 of the last member: distrust it when it is smaller than the file.
                total += isize >= size ? isize : size * 4
            } else {
                total += size
            }
        }
        return total
    }

    public func update(events: Int, alerts: Int, bytes: Int64) {
        guard enabled else { return }
        let elapsed = max(0.001, Date().timeIntervalSince(started))
        let rate = Double(events) / elapsed
        let text = Self.format(events: events, alerts: alerts, bytes: bytes, total: totalBytes, elapsed: elapsed,
                               rate: rate, bar: bar)
        if bar {
            write("\r" + text + "\u{1B}[K")
            drewBar = true
        } else if Date().timeIntervalSince(lastLine) >= lineInterval {
            lastLine = Date()
            write(text + "\n")
        }
    }

    public func finish() {
        if drewBar { write("\r\u{1B}[K") }
        drewBar = false
    }

    /// One progress line: `[#####-----]  42.0%  120000 events  35200 ev/s  12 alerts  1m 05s left`.
    public static func format(events: Int, alerts: Int, bytes: Int64, total: Int64?, elapsed: Double, rate: Double,
                              bar: Bool, width: Int = 28) -> String {
        var s = ""
        if let total, total > 0 {
            let f = min(1, max(0, Double(bytes) / Double(total)))
            if bar {
                let filled = Int((f * Double(width)).rounded(.down))
                s += "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] "
            }
            s += String(format: "%5.1f%%  ", f * 100)
            s += "\(events) events  \(Int(rate.rounded())) ev/s  \(alerts) alerts"
            if f > 0.001 && f < 1 { s += "  " + duration(elapsed * (1 - f) / f) + " left" }
        } else {
            s += "\(events) events  \(Int(rate.rounded())) ev/s  \(alerts) alerts  " + duration(elapsed) + " elapsed"
        }
        return (bar ? "" : "parapet replay: progress ") + s
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        if t >= 3600 { return "\(t / 3600)h \(String(format: "%02d", t / 60 % 60))m" }
        if t >= 60 { return "\(t / 60)m \(String(format: "%02d", t % 60))s" }
        return "\(t)s"
    }
}
