/// An RFC 3339 timestamp kept both as the original text and as microseconds since the Unix epoch.
/// Parsing is hand-written: it is on the hot path and must not depend on locale or formatter state.
public struct EventTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let text: String
    public let micros: Int64

    public init(micros: Int64) {
        self.micros = micros
        self.text = EventTime.format(micros: micros)
    }

    public init?(rfc3339 text: String) {
        guard let m = EventTime.parse(text) else { return nil }
        self.text = text
        self.micros = m
    }

    public var description: String { text }
    public var seconds: Double { Double(micros) / 1_000_000 }

    public static func < (a: EventTime, b: EventTime) -> Bool { a.micros < b.micros }
    public static func == (a: EventTime, b: EventTime) -> Bool { a.micros == b.micros }
    public func hash(into h: inout Hasher) { h.combine(micros) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let t = EventTime(rfc3339: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an RFC 3339 date-time: \(s.prefix(40))")
        }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; also accepts `t`, `z` and a space separator.
    public static func parse(_ s: String) -> Int64? {
        var u = Array(s.utf8)
        return u.withUnsafeMutableBufferPointer { parse(bytes: UnsafeBufferPointer($0)) }
    }

    static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Int64? {
        let n = b.count
        guard n >= 20 else { return nil }
        func digits(_ at: Int, _ count: Int) -> Int? {
            var v = 0
            for i in at..<(at + count) {
                let d = Int(b[i]) - 48
                guard d >= 0 && d <= 9 else { return nil }
                v = v * 10 + d
            }
            return v
        }
        guard let year = digits(0, 4), b[4] == 45, let month = digits(5, 2), b[7] == 45, let day = digits(8, 2),
              b[10] == 84 || b[10] == 116 || b[10] == 32,
              let hour = digits(11, 2), b[13] == 58, let minute = digits(14, 2), b[16] == 58, let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        var fracMicros: Int64 = 0
        if i < n && b[i] == 46 {
            i += 1
            var scale: Int64 = 100_000
            let start = i
            while i < n, b[i] >= 48, b[i] <= 57 {
                if scale > 0 { fracMicros += Int64(b[i] - 48) * scale; scale /= 10 }
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < n else { return nil }
        var offsetSeconds = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard i + 6 == n, let oh = digits(i + 1, 2), b[i + 3] == 58, let om = digits(i + 4, 2), oh <= 23, om <= 59
            else { return nil }
            offsetSeconds = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let secs = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offsetSeconds)
        return secs * 1_000_000 + fracMicros
    }

    public static func format(micros: Int64) -> String {
        // Floor division written so that it cannot overflow, even at Int64.min.
        var secs = micros / 1_000_000
        var frac = micros % 1_000_000
        if frac < 0 { secs -= 1; frac += 1_000_000 }
        var days = secs / 86_400
        var rem = Int(secs % 86_400)
        if rem < 0 { days -= 1; rem += 86_400 }
        let (y, m, d) = civilFromDays(Int(days))
        func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        // RFC 3339 years have four digits.
        var year = String(abs(y))
        while year.count < 4 { year = "0" + year }
        if y < 0 { year = "-" + year }
        var s = "\(year)-\(p2(m))-\(p2(d))T\(p2(rem / 3600)):\(p2(rem / 60 % 60)):\(p2(rem % 60))"
        if frac != 0 {
            var f = String(frac)
            while f.count < 6 { f = "0" + f }
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s + "Z"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // Howard Hinnant's civil-date algorithms.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
