import Foundation
import ParapetCore
import Testing

@Suite("EventTime")
struct EventTimeTests {
    @Test("parses RFC 3339 to microseconds since the epoch", arguments: [
        ("1970-01-01T00:00:00Z", Int64(0)),
        ("2025-02-18T10:00:00Z", Int64(1_739_872_800_000_000)),
        ("2025-02-18T12:00:00+02:00", Int64(1_739_872_800_000_000)),
        ("2025-02-18T04:30:00-05:30", Int64(1_739_872_800_000_000)),
        ("2025-02-18T10:00:00.5Z", Int64(1_739_872_800_500_000)),
        ("2025-02-18T10:00:00.123456Z", Int64(1_739_872_800_123_456)),
        ("2025-02-18T10:00:00.1234569Z", Int64(1_739_872_800_123_456)),  // beyond microseconds: cut
        ("2025-02-18t10:00:00z", Int64(1_739_872_800_000_000)),
        ("2025-02-18 10:00:00Z", Int64(1_739_872_800_000_000)),
        ("2025-02-18T10:00:00-00:00", Int64(1_739_872_800_000_000)),
        ("1969-12-31T23:59:59.999999Z", Int64(-1)),
        ("2024-02-29T00:00:00Z", Int64(1_709_164_800_000_000)),
        ("2000-02-29T00:00:00Z", Int64(951_782_400_000_000)),
        ("2016-12-31T23:59:60Z", Int64(1_483_228_799_000_000)),  // a leap second reads as :59
        ("0001-01-01T00:00:00Z", Int64(-62_135_596_800_000_000)),
        ("9999-12-31T23:59:59Z", Int64(253_402_300_799_000_000)),
    ])
    func parses(text: String, micros: Int64) {
        #expect(EventTime.parse(text) == micros, "\(text)")
        #expect(EventTime(rfc3339: text)?.text == text)
    }

    @Test("rejects what is not an RFC 3339 date-time", arguments: [
        "", "2025-02-18", "2025-02-18T10:00:00", "2025-02-18T10:00Z", "2025-13-01T10:00:00Z", "2025-00-10T10:00:00Z",
        "2025-02-30T10:00:00Z", "2025-02-29T10:00:00Z", "2100-02-29T10:00:00Z", "2025-04-31T10:00:00Z",
        "2025-02-00T10:00:00Z", "2025-02-18T24:00:00Z", "2025-02-18T10:60:00Z", "2025-02-18T10:00:61Z",
        "2025-02-18T10:00:00.Z", "2025-02-18T10:00:00+2:00", "2025-02-18T10:00:00+02:00x", "2025-02-18T10:00:00+0200",
        "2025-02-18T10:00:00+24:00", "2025-02-18X10:00:00Z", "2025/02/18T10:00:00Z", "２０２５-02-18T10:00:00Z",
        "2025-02-18T10:00:00ZZ", " 2025-02-18T10:00:00Z", "1739872800",
    ])
    func rejects(text: String) {
        #expect(EventTime.parse(text) == nil, "\(text)")
        #expect(EventTime(rfc3339: text) == nil)
    }

    @Test("formats microseconds as UTC RFC 3339, trimming trailing zeros", arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (Int64(1_739_872_800_500_000), "2025-02-18T10:00:00.5Z"),
        (Int64(1_739_872_800_000_001), "2025-02-18T10:00:00.000001Z"),
        (Int64(-1), "1969-12-31T23:59:59.999999Z"),
        (Int64(-86_400_000_000), "1969-12-31T00:00:00Z"),
        (Int64(-62_135_596_800_000_000), "0001-01-01T00:00:00Z"),
        (Int64(-61_000_000_000_000_000), "0036-12-26T11:33:20Z"),
    ])
    func formats(micros: Int64, text: String) {
        #expect(EventTime.format(micros: micros) == text)
        #expect(EventTime(micros: micros).text == text)
    }

    @Test("format then parse gives the same instant, across the RFC 3339 year range")
    func roundTrip() {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        let lo: Int64 = -62_135_596_800_000_000  // 0001-01-01
        let hi: Int64 = 253_402_300_799_999_999  // 9999-12-31T23:59:59.999999
        for _ in 0..<2_000 {
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let m = lo + Int64(x % UInt64(hi - lo))
            let text = EventTime.format(micros: m)
            #expect(EventTime.parse(text) == m, "\(m) -> \(text)")
        }
    }

    @Test("extreme values do not crash the formatter")
    func extremes() {
        #expect(!EventTime(micros: .min).text.isEmpty)
        #expect(!EventTime(micros: .max).text.isEmpty)
    }

    @Test("equality and order are by instant; the original text is kept and encoded")
    func equalityAndCoding() throws {
        let a = try #require(EventTime(rfc3339: "2025-02-18T12:00:00+02:00"))
        let b = try #require(EventTime(rfc3339: "2025-02-18T10:00:00.000Z"))
        #expect(a == b && a.hashValue == b.hashValue && a.text != b.text)
        #expect(b < EventTime(rfc3339: "2025-02-18T10:00:00.000001Z")!)
        let encoded = try JSONEncoder().encode([a])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["2025-02-18T12:00:00+02:00"]"#)
        let decoded = try JSONDecoder().decode([EventTime].self, from: encoded)
        #expect(decoded[0].text == a.text && decoded[0] == a)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([EventTime].self, from: Data(#"["2025-13-01T00:00:00Z"]"#.utf8)) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([EventTime].self, from: Data("[1739872800]".utf8)) }
    }
}
