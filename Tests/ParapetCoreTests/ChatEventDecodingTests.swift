import Foundation
import ParapetCore
import Testing

@Suite("ChatEvent decoding")
struct ChatEventDecodingTests {
    static let valid = #"{"event_id":"e-1","session_id":"s-1","time":"2025-02-18T10:00:00Z","role":"user","content":"Hello"}"#

    func decode(_ json: String) throws -> ChatEvent { try JSONDecoder().decode(ChatEvent.self, from: Data(json.utf8)) }

    /// The contract violation a record raises (nil when it decodes).
    func violation(_ json: String) -> ContractViolation? {
        do {
            _ = try decode(json)
            return nil
        } catch let v as ContractViolation {
            return v
        } catch {
            return ContractViolation(key: "<not a ContractViolation>", reason: "\(error)")
        }
    }

    func with(_ key: String, _ rawValue: String?) -> String {
        var o = try! JSONSerialization.jsonObject(with: Data(Self.valid.utf8)) as! [String: Any]
        o[key] = nil
        var text = String(decoding: try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self)
        if let rawValue { text = String(text.dropLast()) + #","\#(key)":\#(rawValue)}"# }
        return text
    }

    @Test("a minimal event decodes")
    func minimal() throws {
        let e = try decode(Self.valid)
        #expect(e.eventID == "e-1" && e.sessionID == "s-1" && e.role == .user && e.content == "Hello")
        #expect(e.time.micros == 1_739_872_800_000_000)
        #expect(e.seq == nil && e.user == nil && e.app == nil && e.source == nil && e.tool == nil && e.upstream == nil)
    }

    @Test("each required key: missing, null, wrong type, empty", arguments: ["event_id", "session_id", "time", "role", "content"])
    func requiredKeys(key: String) {
        #expect(violation(with(key, nil)) == ContractViolation(key: key, reason: "required key is missing"))
        #expect(violation(with(key, "null")) == ContractViolation(key: key, reason: "required key is missing"))
        #expect(violation(with(key, "5")) == ContractViolation(key: key, reason: "must be a string"))
        #expect(violation(with(key, "[\"x\"]")) == ContractViolation(key: key, reason: "must be a string"))
        let empty = violation(with(key, "\"\""))
        if key == "content" {
            #expect(empty == nil, "content may be empty")
        } else {
            #expect(empty?.key == key)
        }
    }

    @Test("wrongly typed optional fields name the key (nested keys as a dotted path)", arguments: [
        ("seq", "\"3\"", "seq"), ("seq", "3.5", "seq"), ("seq", "true", "seq"), ("seq", "1e30", "seq"),
        ("user", "\"u\"", "user"), ("user", "[]", "user"), ("user", #"{"id":5}"#, "user.id"),
        ("user", #"{"user_agent":false}"#, "user.user_agent"), ("app", "1", "app"), ("app", #"{"model":[]}"#, "app.model"),
        ("source", #"{"trusted":"yes"}"#, "source.trusted"), ("tool", "\"t\"", "tool"), ("tool", #"{"name":1}"#, "tool.name"),
        ("upstream", "[1]", "upstream"), ("upstream", "\"x\"", "upstream"),
    ] as [(String, String, String)])
    func optionalKeys(key: String, value: String, expected: String) {
        let v = violation(with(key, value))
        #expect(v?.key == expected, "\(key)=\(value): \(String(describing: v))")
        #expect(v?.reason.isEmpty == false)
    }

    @Test("role must be one of the five, case-sensitively")
    func roles() throws {
        for r in Role.allCases { #expect(try decode(with("role", "\"\(r.rawValue)\"")).role == r) }
        #expect(violation(with("role", "\"User\""))?.key == "role")
        #expect(violation(with("role", "\"moderator\""))?.reason.contains("moderator") == true)
    }

    @Test("time is checked as RFC 3339 and keeps its text")
    func time() throws {
        #expect(violation(with("time", "\"2025-13-01T10:00:00Z\""))?.key == "time")
        #expect(violation(with("time", "\"2025-02-18T10:00:00\""))?.key == "time")
        let e = try decode(with("time", "\"2025-02-18T12:00:00.25+02:00\""))
        #expect(e.time.text == "2025-02-18T12:00:00.25+02:00" && e.time.micros == 1_739_872_800_250_000)
    }

    @Test("optional fields: null is absent, unknown keys are ignored, values are read")
    func optionalValues() throws {
        let json = #"{"event_id":"e","session_id":"s","time":"2025-02-18T10:00:00Z","role":"tool","content":"","seq":null,"#
            + #""user":{"id":"u","tenant_id":"t","ip":"10.0.0.1","user_agent":"ua","extra":1},"app":{"name":null},"#
            + #""source":{"kind":"email","trusted":false},"tool":{"name":"f","arguments":{"a":[1,"b",null]}},"#
            + #""upstream":{"x":{"y":true}},"future_field":{"anything":[1,2]}}"#
        let e = try decode(json)
        #expect(e.seq == nil && e.content.isEmpty && e.role == .tool)
        #expect(e.user == UserInfo(id: "u", tenantID: "t", ip: "10.0.0.1", userAgent: "ua"))
        #expect(e.app == AppInfo())
        #expect(e.source == SourceInfo(kind: "email", trusted: false))
        #expect(e.tool?.arguments == .object(["a": .array([.number(1), .string("b"), .null])]))
        #expect(e.upstream == ["x": .object(["y": .bool(true)])])
    }

    @Test("encoding omits absent fields and decodes back to the same event")
    func roundTrip() throws {
        let e = ChatEvent(eventID: "e", sessionID: "s", time: EventTime(rfc3339: "2025-02-18T10:00:00.5+01:00")!, role: .document,
                          content: "c", seq: 7, source: SourceInfo(kind: "web", uri: "https://example.com/a"))
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let text = String(decoding: try enc.encode(e), as: UTF8.self)
        #expect(text == #"{"content":"c","event_id":"e","role":"document","seq":7,"session_id":"s","source":{"kind":"web","uri":"https://example.com/a"},"time":"2025-02-18T10:00:00.5+01:00"}"#)
        let back = try decode(text)
        #expect(back == e && back.time.text == e.time.text)
    }

    @Test("ContractViolation describes the key")
    func description() {
        #expect(ContractViolation(key: "seq", reason: "must be an integer").description == "key 'seq': must be an integer")
        #expect(ContractViolation(key: nil, reason: "not a JSON object").description == "not a JSON object")
    }
}
