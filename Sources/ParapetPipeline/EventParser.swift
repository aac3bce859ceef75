import Foundation
import ParapetCore

/// Why an input line was rejected, with where it came from.
public struct Reject: Sendable, Codable {
    public var input: String
    public var line: Int?
    public var key: String?
    public var reason: String
    /// The original record (lossily decoded if it was not valid UTF-8), kept so that nothing is lost.
    public var raw: String?
    /// Kafka coordinates, when the record came from a topic.
    public var topic: String?
    public var partition: Int32?
    public var offset: Int64?

    public init(input: String, line: Int? = nil, key: String? = nil, reason: String, raw: String? = nil,
                topic: String? = nil, partition: Int32? = nil, offset: Int64? = nil) {
        self.input = input
        self.line = line
        self.key = key
        self.reason = reason
        self.raw = raw
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    /// "file:line: key 'x': reason" for stderr.
    public var message: String {
        var s = input
        if let line { s += ":\(line)" }
        if let partition, let offset { s += " [partition \(partition) offset \(offset)]" }
        s += ": "
        if let key { s += "key '\(key)': " }
        return s + reason
    }
}

/// Decodes one event record (a JSON object) and checks it against the contract.
public struct EventParser: Sendable {
    public init() {}

    public enum Outcome: Sendable {
        case event(ChatEvent)
        case reject(key: String?, reason: String)
    }

    public func parse(_ bytes: [UInt8]) -> Outcome {
        // A UTF-8 byte order mark (Windows tools write one at the start of a file) is not part of the record.
        let bom = bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF ? 3 : 0
        var firstNonSpace = bom
        while firstNonSpace < bytes.count, bytes[firstNonSpace] == 32 || bytes[firstNonSpace] == 9 || bytes[firstNonSpace] == 13 {
            firstNonSpace += 1
        }
        if firstNonSpace == bytes.count { return .reject(key: nil, reason: "empty or whitespace-only record") }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return .reject(key: nil, reason: "not valid UTF-8")
        }
        guard bytes[firstNonSpace] == UInt8(ascii: "{") else {
            return .reject(key: nil, reason: "not a JSON object")
        }
        // Foundation's decoder is lenient (trailing commas, duplicate keys: first one wins) and says only
        // "not valid JSON"; a strict pass first rejects what other consumers of the stream would read differently,
        // and says where.
        if let failure = bytes.withUnsafeBufferPointer({ StrictJSONCheck.check($0, from: firstNonSpace) }) {
            return .reject(key: failure.key, reason: failure.reason)
        }
        do {
            let e = try JSONDecoder().decode(ChatEvent.self, from: bom == 0 ? Data(bytes) : Data(bytes[bom...]))
            return .event(e)
        } catch let v as ContractViolation {
            return .reject(key: v.key, reason: v.reason)
        } catch let DecodingError.dataCorrupted(ctx) {
            let detail = (ctx.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return .reject(key: nil, reason: "invalid JSON" + (detail.map { ": \($0)" } ?? ""))
        } catch let DecodingError.typeMismatch(_, ctx) where ctx.codingPath.isEmpty {
            return .reject(key: nil, reason: "not a JSON object")
        } catch {
            return .reject(key: nil, reason: "invalid JSON: \(error)")
        }
    }
}

/// A strict RFC 8259 syntax check of one record, without building values: no trailing commas or data, no raw
/// control characters or bad escapes in strings, no lone surrogates, no numbers beyond a 64-bit float, no
/// duplicate keys in an object (consumers disagree on which one wins, which is a way to smuggle a value past one
/// of them), and at most `maxDepth` levels of nesting. Iterative, so deep nesting cannot exhaust the stack.
struct StrictJSONCheck {
    struct Failure: Sendable, Hashable {
        /// Dotted path of the key where the problem is (array elements by index), when inside an object.
        var key: String?
        var reason: String
    }

    static let maxDepth = 512

    private struct Frame {
        var isObject: Bool
        var keys: Set<String> = []
        var key: String?
        var index = 0
    }

    private enum Expect { case value, valueOrClose, key, keyOrClose, colon, commaOrClose }

    static func check(_ b: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Failure? {
        var checker = StrictJSONCheck(b: b, i: start)
        return checker.run()
    }

    private let b: UnsafeBufferPointer<UInt8>
    private var i: Int
    private var stack: [Frame] = []
    /// The decoded bytes of the last string scanned with `collect`.
    private var collected: [UInt8] = []

    private init(b: UnsafeBufferPointer<UInt8>, i: Int) {
        self.b = b
        self.i = i
    }

    private var path: String? {
        var parts: [String] = []
        for f in stack {
            if f.isObject {
                guard let k = f.key else { break }
                parts.append(k)
            } else {
                parts.append(String(f.index))
            }
        }
        if parts.count > 8 { parts = Array(parts.prefix(8)) + ["…"] }  // deep nesting: where it starts is enough
        return parts.isEmpty ? nil : parts.joined(separator: ".")
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> Failure {
        Failure(key: path, reason: "invalid JSON at byte \((offset ?? i) + 1): \(reason)")
    }

    private func describe(_ c: UInt8) -> String {
        c >= 0x21 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "byte 0x%02X", c)
    }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func run() -> Failure? {
        var expect = Expect.value
        while true {
            skipSpace()
            if i == b.count {
                if stack.isEmpty && expect == .commaOrClose { return nil }
                return fail("the record ends in the middle of a value")
            }
            let c = b[i]
            switch expect {
            case .value, .valueOrClose:
                if expect == .valueOrClose && c == UInt8(ascii: "]") {
                    stack.removeLast()
                    i += 1
                    expect = .commaOrClose
                    continue
                }
                switch c {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    guard stack.count < Self.maxDepth else { return fail("nested deeper than \(Self.maxDepth) levels") }
                    stack.append(Frame(isObject: c == UInt8(ascii: "{")))
                    i += 1
                    expect = c == UInt8(ascii: "{") ? .keyOrClose : .valueOrClose
                    continue
                case UInt8(ascii: "\""):
                    if let f = string(collect: false) { return f }
                case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                    if let f = literal() { return f }
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if let f = number() { return f }
                default:
                    return fail("unexpected \(describe(c)) where a value should be")
                }
                expect = .commaOrClose
            case .key, .keyOrClose:
                if expect == .keyOrClose && c == UInt8(ascii: "}") {
                    stack.removeLast()
                    i += 1
                    expect = .commaOrClose
                    continue
                }
                guard c == UInt8(ascii: "\"") else {
                    return fail(expect == .key && c == UInt8(ascii: "}") ? "trailing comma before '}'" : "expected a key in double quotes, found \(describe(c))")
                }
                let keyStart = i
                if let f = string(collect: true) { return f }
                let k = String(decoding: collected, as: UTF8.self)
                guard stack[stack.count - 1].keys.insert(k).inserted else {
                    stack[stack.count - 1].key = k
                    return fail("duplicate key \"\(k.prefix(60))\" in an object", at: keyStart)
                }
                stack[stack.count - 1].key = k
                expect = .colon
            case .colon:
                guard c == UInt8(ascii: ":") else { return fail("expected ':' after a key, found \(describe(c))") }
                i += 1
                expect = .value
            case .commaOrClose:
                guard let top = stack.last else { return fail("unexpected data after the JSON value") }
                if c == UInt8(ascii: ",") {
                    i += 1
                    if top.isObject {
                        stack[stack.count - 1].key = nil
                        expect = .key
                    } else {
                        stack[stack.count - 1].index += 1
                        skipSpace()
                        if i < b.count && b[i] == UInt8(ascii: "]") { return fail("trailing comma before ']'") }
                        expect = .value
                    }
                } else if c == UInt8(ascii: top.isObject ? "}" : "]") {
                    stack.removeLast()
                    i += 1
                } else {
                    return fail("expected ',' or '\(top.isObject ? "}" : "]")', found \(describe(c))")
                }
            }
        }
    }

    private mutating func literal() -> Failure? {
        for word in ["true", "false", "null"] {
            let w = Array(word.utf8)
            if i + w.count <= b.count && Array(b[i..<(i + w.count)]) == w {
                i += w.count
                return nil
            }
        }
        return fail("unexpected \(describe(b[i])) where a value should be")
    }

    private mutating func number() -> Failure? {
        let start = i
        func digits() -> Int {
            let s = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
            return i - s
        }
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] >= 48, b[i] <= 57 else { return fail("a number needs digits", at: start) }
        if b[i] == 48 {
            i += 1
            if i < b.count, b[i] >= 48, b[i] <= 57 { return fail("a number must not have leading zeros", at: start) }
        } else {
            _ = digits()
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return fail("a number needs digits after '.'", at: start) }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return fail("a number needs digits in its exponent", at: start) }
            // Only numbers with an exponent (or absurdly many digits) can leave the range of a 64-bit float.
            guard let d = Double(String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)), d.isFinite
            else { return fail("number out of range", at: start) }
        } else if i - start > 308 {
            return fail("number out of range", at: start)
        }
        return nil
    }

    /// Scans a string at `i` (on its opening quote); with `collect`, leaves its decoded UTF-8 in `collected`.
    private mutating func string(collect: Bool) -> Failure? {
        collected.removeAll(keepingCapacity: true)
        i += 1
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return nil
            }
            if c < 0x20 { return fail(String(format: "control character U+%04X must be escaped in a string", c)) }
            if c != UInt8(ascii: "\\") {
                if collect { collected.append(c) }
                i += 1
                continue
            }
            guard i + 1 < b.count else { break }
            let e = b[i + 1]
            let simple: UInt8? = switch e {
            case UInt8(ascii: "\""): 0x22
            case UInt8(ascii: "\\"): 0x5C
            case UInt8(ascii: "/"): 0x2F
            case UInt8(ascii: "b"): 0x08
            case UInt8(ascii: "f"): 0x0C
            case UInt8(ascii: "n"): 0x0A
            case UInt8(ascii: "r"): 0x0D
            case UInt8(ascii: "t"): 0x09
            default: nil
            }
            if let simple {
                if collect { collected.append(simple) }
                i += 2
                continue
            }
            guard e == UInt8(ascii: "u") else { return fail("invalid escape \\\(Character(Unicode.Scalar(e))) in a string") }
            guard let hi = hex4(at: i + 2) else { return fail("\\u must be followed by four hex digits") }
            var scalar = hi
            if hi >= 0xD800 && hi <= 0xDBFF {
                guard i + 11 < b.count, b[i + 6] == UInt8(ascii: "\\"), b[i + 7] == UInt8(ascii: "u"),
                      let lo = hex4(at: i + 8), lo >= 0xDC00 && lo <= 0xDFFF
                else { return fail(String(format: "lone surrogate \\u%04X in a string", hi)) }
                scalar = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                i += 12
            } else if hi >= 0xDC00 && hi <= 0xDFFF {
                return fail(String(format: "lone surrogate \\u%04X in a string", hi))
            } else {
                i += 6
            }
            if collect, let u = Unicode.Scalar(scalar) { collected.append(contentsOf: Array(String(u).utf8)) }
        }
        return fail("a string is not closed")
    }

    private func hex4(at p: Int) -> UInt32? {
        guard p + 4 <= b.count else { return nil }
        var v: UInt32 = 0
        for j in p..<(p + 4) {
            let c = b[j]
            let d: UInt8
            switch c {
            case 48...57: d = c - 48
            case 65...70: d = c - 55
            case 97...102: d = c - 87
            default: return nil
            }
            v = v << 4 | UInt32(d)
        }
        return v
    }
}
