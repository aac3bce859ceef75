import Foundation
import ParapetCore

/// A JSON value for the schema tests, parsed by a small strict RFC 8259 parser (no trailing commas, no duplicate
/// keys, no lone surrogates), independent of Foundation's lenient decoder so that the tests check the program
/// against a second reading of the same bytes.
indirect enum JSONNode: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONNode])
    case object([String: JSONNode])

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let d): d.rounded() == d ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    subscript(_ key: String) -> JSONNode? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    var arrayValue: [JSONNode]? {
        if case .array(let a) = self { return a }
        return nil
    }

    var objectValue: [String: JSONNode]? {
        if case .object(let o) = self { return o }
        return nil
    }

    struct ParseError: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "JSON parse error at byte \(offset): \(reason)" }
    }

    static func parse(_ text: String) throws -> JSONNode { try parse(Array(text.utf8)) }

    static func parse(_ bytes: [UInt8]) throws -> JSONNode {
        var p = Parser(b: bytes)
        p.space()
        let v = try p.value(depth: 0)
        p.space()
        guard p.i == bytes.count else { throw ParseError(offset: p.i, reason: "data after the value") }
        return v
    }

    private struct Parser {
        let b: [UInt8]
        var i = 0

        init(b: [UInt8]) { self.b = b }

        func error(_ reason: String) -> ParseError { ParseError(offset: i, reason: reason) }

        mutating func space() {
            while i < b.count, [0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 }
        }

        mutating func expect(_ c: UInt8) throws {
            space()
            guard i < b.count, b[i] == c else { throw error("expected '\(Character(Unicode.Scalar(c)))'") }
            i += 1
        }

        mutating func value(depth: Int) throws -> JSONNode {
            guard depth < 512 else { throw error("too deep") }
            space()
            guard i < b.count else { throw error("unexpected end") }
            switch b[i] {
            case UInt8(ascii: "{"):
                i += 1
                var o: [String: JSONNode] = [:]
                space()
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                while true {
                    space()
                    guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw error("expected a key") }
                    let k = try string()
                    guard o[k] == nil else { throw error("duplicate key \(k)") }
                    try expect(UInt8(ascii: ":"))
                    o[k] = try value(depth: depth + 1)
                    space()
                    guard i < b.count else { throw error("unexpected end") }
                    if b[i] == UInt8(ascii: "}") { i += 1; return .object(o) }
                    guard b[i] == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
                    i += 1
                }
            case UInt8(ascii: "["):
                i += 1
                var a: [JSONNode] = []
                space()
                if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                while true {
                    a.append(try value(depth: depth + 1))
                    space()
                    guard i < b.count else { throw error("unexpected end") }
                    if b[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                    guard b[i] == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
                    i += 1
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try word("true"); return .bool(true)
            case UInt8(ascii: "f"): try word("false"); return .bool(false)
            case UInt8(ascii: "n"): try word("null"); return .null
            default:
                return .number(try number())
            }
        }

        mutating func word(_ w: String) throws {
            let u = Array(w.utf8)
            guard i + u.count <= b.count, Array(b[i..<(i + u.count)]) == u else { throw error("bad literal") }
            i += u.count
        }

        mutating func number() throws -> Double {
            let start = i
            func isDigit(_ k: Int) -> Bool { k < b.count && b[k] >= 48 && b[k] <= 57 }
            if i < b.count, b[i] == UInt8(ascii: "-") { i += 1 }
            guard isDigit(i) else { throw error("expected a value") }
            if b[i] == 48 { i += 1 } else { while isDigit(i) { i += 1 } }
            if i < b.count, b[i] == UInt8(ascii: ".") {
                i += 1
                guard isDigit(i) else { throw error("digits expected after '.'") }
                while isDigit(i) { i += 1 }
            }
            if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
                i += 1
                if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
                guard isDigit(i) else { throw error("digits expected in exponent") }
                while isDigit(i) { i += 1 }
            }
            guard let d = Double(String(decoding: b[start..<i], as: UTF8.self)), d.isFinite else {
                throw error("number out of range")
            }
            return d
        }

        mutating func hex4() throws -> UInt32 {
            guard i + 4 <= b.count, let v = UInt32(String(decoding: b[i..<(i + 4)], as: UTF8.self), radix: 16) else {
                throw error("bad \\u escape")
            }
            i += 4
            return v
        }

        mutating func string() throws -> String {
            i += 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                i += 1
                switch c {
                case UInt8(ascii: "\""):
                    guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8") }
                    return s
                case 0..<0x20:
                    throw error("unescaped control character")
                case UInt8(ascii: "\\"):
                    guard i < b.count else { throw error("unexpected end") }
                    let e = b[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(8)
                    case UInt8(ascii: "f"): out.append(12)
                    case UInt8(ascii: "n"): out.append(10)
                    case UInt8(ascii: "r"): out.append(13)
                    case UInt8(ascii: "t"): out.append(9)
                    case UInt8(ascii: "u"):
                        var scalar = try hex4()
                        if (0xD800...0xDBFF).contains(scalar) {
                            guard i + 2 <= b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") else {
                                throw error("lone surrogate")
                            }
                            i += 2
                            let lo = try hex4()
                            guard (0xDC00...0xDFFF).contains(lo) else { throw error("lone surrogate") }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(scalar) else { throw error("lone surrogate") }
                        out.append(contentsOf: Array(String(u).utf8))
                    default:
                        throw error("bad escape")
                    }
                default:
                    out.append(c)
                }
            }
            throw error("unterminated string")
        }
    }
}

/// Enough of JSON Schema 2020-12 for Parapet's contracts: type (also arrays of types), required, properties,
/// additionalProperties (boolean or schema), items, enum, const, minimum/maximum, minLength, minItems/maxItems,
/// uniqueItems, pattern (NSRegularExpression, unanchored as the spec says), format date-time (EventTime.parse,
/// the program's own reading), $ref to #/$defs/..., allOf/anyOf/oneOf/not. Annotations are ignored; any other
/// keyword is an error, so that a schema cannot silently rely on something the tests do not check.
struct JSONSchemaValidator {
    struct Failure: Hashable, CustomStringConvertible {
        /// JSON Pointer into the instance.
        var path: String
        var keyword: String
        var message: String
        var description: String { "\(path.isEmpty ? "/" : path): \(keyword): \(message)" }
    }

    struct SchemaError: Error, CustomStringConvertible {
        var description: String
    }

    static let annotations: Set<String> = ["$schema", "$id", "$comment", "title", "description", "$defs", "examples", "default"]
    static let keywords: Set<String> = [
        "type", "required", "properties", "additionalProperties", "items", "enum", "const", "minimum", "maximum",
        "minLength", "maxLength", "minItems", "maxItems", "uniqueItems", "pattern", "format", "$ref", "allOf", "anyOf",
        "oneOf", "not",
    ]

    let root: JSONNode

    init(schema: JSONNode) throws {
        self.root = schema
        try Self.checkKeywords(schema, at: "#")
    }

    init(schemaFile url: URL) throws {
        try self.init(schema: JSONNode.parse(Array(try Data(contentsOf: url))))
    }

    /// Every keyword in the schema must be one this validator implements.
    private static func checkKeywords(_ s: JSONNode, at path: String) throws {
        if case .bool = s { return }
        guard case .object(let o) = s else { throw SchemaError(description: "\(path): a schema must be an object or a boolean") }
        for (k, v) in o {
            guard annotations.contains(k) || keywords.contains(k) else {
                throw SchemaError(description: "\(path): keyword '\(k)' is not supported by the test validator")
            }
            switch k {
            case "properties", "$defs":
                for (name, sub) in v.objectValue ?? [:] { try checkKeywords(sub, at: "\(path)/\(k)/\(name)") }
            case "additionalProperties", "items", "not":
                try checkKeywords(v, at: "\(path)/\(k)")
            case "allOf", "anyOf", "oneOf":
                for (n, sub) in (v.arrayValue ?? []).enumerated() { try checkKeywords(sub, at: "\(path)/\(k)/\(n)") }
            case "pattern":
                guard let p = v.stringValue, (try? NSRegularExpression(pattern: p)) != nil else {
                    throw SchemaError(description: "\(path): bad pattern")
                }
            case "$ref":
                guard let r = v.stringValue, r.hasPrefix("#/$defs/") else {
                    throw SchemaError(description: "\(path): only local $ref to #/$defs/ is supported")
                }
            default: break
            }
        }
    }

    func validate(_ instance: JSONNode) -> [Failure] {
        var out: [Failure] = []
        validate(instance, against: root, at: "", into: &out)
        return out
    }

    func validate(jsonText: String) -> [Failure] {
        do {
            return validate(try JSONNode.parse(jsonText))
        } catch {
            return [Failure(path: "", keyword: "json", message: "\(error)")]
        }
    }

    func isValid(_ instance: JSONNode) -> Bool { validate(instance).isEmpty }

    private func resolve(_ ref: String) -> JSONNode? {
        let name = String(ref.dropFirst("#/$defs/".count))
        return root["$defs"]?[name]
    }

    private static func matches(_ v: JSONNode, type: String) -> Bool {
        switch (type, v) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): true
        case ("number", .number): true
        case ("integer", .number(let d)): d.rounded() == d
        default: false
        }
    }

    private func validate(_ v: JSONNode, against s: JSONNode, at path: String, into out: inout [Failure]) {
        if case .bool(let allowed) = s {
            if !allowed { out.append(Failure(path: path, keyword: "false", message: "no value is allowed here")) }
            return
        }
        guard case .object(let sch) = s else { return }
        func fail(_ k: String, _ m: String) { out.append(Failure(path: path, keyword: k, message: m)) }

        if let ref = sch["$ref"]?.stringValue {
            if let target = resolve(ref) {
                validate(v, against: target, at: path, into: &out)
            } else {
                fail("$ref", "cannot resolve \(ref)")
            }
        }
        if let t = sch["type"] {
            let types = t.arrayValue?.compactMap(\.stringValue) ?? [t.stringValue ?? ""]
            if !types.contains(where: { Self.matches(v, type: $0) }) {
                fail("type", "expected \(types.joined(separator: " or ")), found \(v.typeName)")
            }
        }
        if let e = sch["enum"]?.arrayValue, !e.contains(v) { fail("enum", "not one of the allowed values") }
        if let c = sch["const"], c != v { fail("const", "not the required value") }

        if case .number(let d) = v {
            if case .number(let m)? = sch["minimum"], d < m { fail("minimum", "\(d) is less than \(m)") }
            if case .number(let m)? = sch["maximum"], d > m { fail("maximum", "\(d) is greater than \(m)") }
        }
        if case .string(let str) = v {
            let length = str.unicodeScalars.count
            if case .number(let m)? = sch["minLength"], Double(length) < m { fail("minLength", "shorter than \(Int(m))") }
            if case .number(let m)? = sch["maxLength"], Double(length) > m { fail("maxLength", "longer than \(Int(m))") }
            if let p = sch["pattern"]?.stringValue, let re = try? NSRegularExpression(pattern: p),
               re.firstMatch(in: str, range: NSRange(str.startIndex..., in: str)) == nil {
                fail("pattern", "does not match \(p)")
            }
            if sch["format"]?.stringValue == "date-time", EventTime.parse(str) == nil {
                fail("format", "not an RFC 3339 date-time")
            }
        }
        if case .array(let a) = v {
            if case .number(let m)? = sch["minItems"], Double(a.count) < m { fail("minItems", "fewer than \(Int(m)) items") }
            if case .number(let m)? = sch["maxItems"], Double(a.count) > m { fail("maxItems", "more than \(Int(m)) items") }
            if sch["uniqueItems"] == .bool(true) {
                for x in 0..<a.count where a[(x + 1)...].contains(a[x]) {
                    fail("uniqueItems", "item \(x) is repeated")
                    break
                }
            }
            if let itemSchema = sch["items"] {
                for (n, item) in a.enumerated() { validate(item, against: itemSchema, at: "\(path)/\(n)", into: &out) }
            }
        }
        if case .object(let o) = v {
            for r in sch["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where o[r] == nil {
                fail("required", "missing key '\(r)'")
            }
            let props = sch["properties"]?.objectValue ?? [:]
            for (k, value) in o.sorted(by: { $0.key < $1.key }) {
                let child = path + "/" + k.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                if let ps = props[k] {
                    validate(value, against: ps, at: child, into: &out)
                } else if let extra = sch["additionalProperties"] {
                    if extra == .bool(false) {
                        out.append(Failure(path: child, keyword: "additionalProperties", message: "key '\(k)' is not allowed"))
                    } else {
                        validate(value, against: extra, at: child, into: &out)
                    }
                }
            }
        }
        if let all = sch["allOf"]?.arrayValue {
            for sub in all { validate(v, against: sub, at: path, into: &out) }
        }
        if let any = sch["anyOf"]?.arrayValue {
            if !any.contains(where: { sub in var f: [Failure] = []; validate(v, against: sub, at: path, into: &f); return f.isEmpty }) {
                fail("anyOf", "matches none of the alternatives")
            }
        }
        if let one = sch["oneOf"]?.arrayValue {
            let n = one.filter { sub in var f: [Failure] = []; validate(v, against: sub, at: path, into: &f); return f.isEmpty }.count
            if n != 1 { fail("oneOf", "matches \(n) of the alternatives, not exactly one") }
        }
        if let not = sch["not"] {
            var f: [Failure] = []
            validate(v, against: not, at: path, into: &f)
            if f.isEmpty { fail("not", "matches a schema it must not match") }
        }
    }
}
