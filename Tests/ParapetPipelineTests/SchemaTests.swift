import Foundation
import ParapetAlerts
import ParapetCore
import ParapetPipeline
import Testing

/// Where the repository's schemas and fixtures are (found from this file, so no resources are needed).
enum RepoFiles {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let root = testsDir.deletingLastPathComponent()
    static let fixtures = testsDir.appendingPathComponent("Fixtures")
    static let schemas = root.appendingPathComponent("Schemas")

    static func schema(_ name: String) -> URL { schemas.appendingPathComponent("\(name).schema.json") }
    static func fixture(_ relative: String) -> URL { fixtures.appendingPathComponent(relative) }

    /// Fixture files (relative paths under Tests/Fixtures) in one directory, sorted.
    static func list(_ dir: String, ext: String = "json") -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixture(dir).path)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted().map { "\(dir)/\($0)" }
    }

    static func bytes(_ relative: String) throws -> [UInt8] { Array(try Data(contentsOf: fixture(relative))) }

    static func validator(_ name: String) throws -> JSONSchemaValidator {
        try JSONSchemaValidator(schemaFile: schema(name))
    }

    static let contracts = ["event", "alert", "verdict"]
    static let validFixtures = contracts.flatMap { list("schemas/\($0)/valid") }
    static let invalidFixtures = contracts.flatMap { list("schemas/\($0)/invalid") }
    static let eventFixtures = list("schemas/event/valid") + list("schemas/event/invalid")
    static let conversations = list("conversations", ext: "jsonl")

    /// "schemas/alert/valid/x.json" -> "alert".
    static func contract(of relative: String) -> String { relative.split(separator: "/")[1].description }
}

/// A fresh temporary directory, removed by the caller.
func makeTempDir(_ label: String) throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parapet-\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func readLines(_ url: URL) throws -> [String] {
    let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
    return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
}

@Suite("JSON Schemas of the contracts")
struct SchemaTests {
    // MARK: the schemas themselves

    @Test("each schema is 2020-12, has an $id and a title, uses only checked keywords", arguments: RepoFiles.contracts)
    func schemaIsWellFormed(name: String) throws {
        let schema = try JSONNode.parse(Array(try Data(contentsOf: RepoFiles.schema(name))))
        #expect(schema["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
        #expect(schema["$id"]?.stringValue?.hasSuffix("/\(name).schema.json") == true)
        #expect((schema["title"]?.stringValue ?? "").isEmpty == false)
        #expect((schema["description"]?.stringValue ?? "").count > 40)
        _ = try JSONSchemaValidator(schema: schema)  // throws on a keyword the validator does not implement
    }

    @Test("every field of every schema is described (the descriptions are the contract's docs)", arguments: RepoFiles.contracts)
    func everyFieldHasADescription(name: String) throws {
        let schema = try JSONNode.parse(Array(try Data(contentsOf: RepoFiles.schema(name))))
        var undocumented: [String] = []
        func walk(_ s: JSONNode, _ path: String) {
            for (k, sub) in s["properties"]?.objectValue ?? [:] {
                if (sub["description"]?.stringValue ?? "").isEmpty { undocumented.append("\(path)/\(k)") }
                walk(sub, "\(path)/\(k)")
            }
            for (k, sub) in s["$defs"]?.objectValue ?? [:] {
                if (sub["description"]?.stringValue ?? "").isEmpty { undocumented.append("\(path)/$defs/\(k)") }
                walk(sub, "\(path)/$defs/\(k)")
            }
            if let items = s["items"] { walk(items, path + "/items") }
        }
        walk(schema, "#")
        #expect(undocumented.isEmpty, "fields without a description: \(undocumented)")
    }

    @Test("the examples in each schema validate against it", arguments: RepoFiles.contracts)
    func examplesValidate(name: String) throws {
        let schema = try JSONNode.parse(Array(try Data(contentsOf: RepoFiles.schema(name))))
        let examples = schema["examples"]?.arrayValue ?? []
        #expect(!examples.isEmpty)
        let v = try JSONSchemaValidator(schema: schema)
        for e in examples { #expect(v.validate(e).isEmpty, "\(v.validate(e))") }
    }

    @Test("the event schema requires exactly the keys the decoder requires")
    func eventRequiredKeys() throws {
        let schema = try JSONNode.parse(Array(try Data(contentsOf: RepoFiles.schema("event"))))
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        #expect(required == ["event_id", "session_id", "time", "role", "content"])
        #expect(schema["additionalProperties"] != .bool(false), "unknown event fields must stay allowed")
        let roles = schema["properties"]?["role"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(Set(roles) == Set(Role.allCases.map(\.rawValue)))
    }

    @Test("the output schemas name the same enums as the Swift types")
    func outputEnumsMatchSwift() throws {
        let alert = try JSONNode.parse(Array(try Data(contentsOf: RepoFiles.schema("alert"))))
        let severities = alert["properties"]?["severity"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(severities == Severity.allCases.map(\.rawValue))
        let verdict = try JSONNode.parse(Array(try Data(contentsOf: RepoFiles.schema("verdict"))))
        let levels = verdict["$defs"]?["harmScore"]?["properties"]?["level"]?["enum"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(levels == HarmLevel.allCases.map(\.rawValue))
        let harm = Set(verdict["properties"]?["harm"]?["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        #expect(harm == Set(HarmCategory.allCases.map(\.rawValue)))
        // Every type of the standard catalog, and its mappings, fit the alert schema's patterns.
        let v = try RepoFiles.validator("alert")
        for entry in AlertCatalog.standard.sortedEntries {
            var a = try JSONNode.parse(Array(try Data(contentsOf: RepoFiles.fixture("schemas/alert/valid/minimal.json"))))
            guard case .object(var o) = a else { Issue.record("fixture is not an object"); return }
            o["type"] = .string(entry.type.rawValue)
            o["mitre_atlas"] = .array(entry.mitreAtlas.map(JSONNode.string))
            o["owasp_llm"] = .array(entry.owaspLLM.map(JSONNode.string))
            a = .object(o)
            #expect(v.validate(a).isEmpty, "catalog entry \(entry.type): \(v.validate(a))")
        }
    }

    // MARK: fixtures

    @Test("there are fixtures for every contract")
    func fixturesExist() {
        for c in RepoFiles.contracts {
            #expect(RepoFiles.list("schemas/\(c)/valid").count >= 3, "valid \(c) fixtures")
            #expect(RepoFiles.list("schemas/\(c)/invalid").count >= 10, "invalid \(c) fixtures")
        }
        #expect(RepoFiles.conversations.count >= 3)
    }

    @Test("valid fixtures validate", arguments: RepoFiles.validFixtures)
    func validFixture(path: String) throws {
        let v = try RepoFiles.validator(RepoFiles.contract(of: path))
        let failures = v.validate(jsonText: String(decoding: try RepoFiles.bytes(path), as: UTF8.self))
        #expect(failures.isEmpty, "\(path): \(failures)")
    }

    @Test("invalid fixtures fail", arguments: RepoFiles.invalidFixtures)
    func invalidFixture(path: String) throws {
        let v = try RepoFiles.validator(RepoFiles.contract(of: path))
        let failures = v.validate(jsonText: String(decoding: try RepoFiles.bytes(path), as: UTF8.self))
        #expect(!failures.isEmpty, "\(path) should not validate")
    }

    // MARK: the decoder agrees with the schema

    /// Invalid event fixtures are named `<key>--<what>.json`; `_` means the reject names no key.
    @Test("EventParser accepts exactly the event fixtures the schema accepts, naming the key", arguments: RepoFiles.eventFixtures)
    func decoderAgreesWithSchema(path: String) throws {
        let bytes = try RepoFiles.bytes(path)
        // A fixture file is pretty-printed JSON; a record is one line: compact it as a producer would (same bytes for
        // the raw fixtures, which are written on one line).
        let line = bytes.last == 10 ? Array(bytes.dropLast()) : bytes
        let record = line.contains(10) ? compact(line) : line
        let schemaSays = try RepoFiles.validator("event").validate(jsonText: String(decoding: bytes, as: UTF8.self)).isEmpty
        let outcome = EventParser().parse(record)
        switch outcome {
        case .event(let e):
            #expect(schemaSays, "\(path): the decoder accepted what the schema rejects")
            #expect(path.contains("/valid/"))
            // What the decoder read is what the schema describes: re-encoded, it validates and decodes to the same.
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            let again = try enc.encode(e)
            #expect(try RepoFiles.validator("event").validate(jsonText: String(decoding: again, as: UTF8.self)).isEmpty)
            guard case .event(let back) = EventParser().parse(Array(again)) else {
                Issue.record("\(path): re-encoded event was rejected")
                return
            }
            #expect(back == e && back.time.text == e.time.text && back.content == e.content)
        case .reject(let key, let reason):
            #expect(!schemaSays, "\(path): the decoder rejected (\(key ?? "-"): \(reason)) what the schema accepts")
            #expect(path.contains("/invalid/"))
            let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            let expectedKey = String(name.components(separatedBy: "--")[0])
            #expect(key == (expectedKey == "_" ? nil : expectedKey), "\(path): reject names key \(key ?? "nil"): \(reason)")
            #expect(!reason.isEmpty)
        }
    }

    /// A full event as raw JSON fragments, one level of nesting, so that any field can be replaced or removed.
    static let matrixBase: [(String, [(String, String)]?, String?)] = [
        ("event_id", nil, #""e-1""#), ("session_id", nil, #""s-1""#), ("time", nil, #""2025-02-18T10:00:00Z""#),
        ("role", nil, #""user""#), ("content", nil, #""hi""#), ("seq", nil, "1"),
        ("user", [("id", #""u""#), ("tenant_id", #""t""#), ("ip", #""10.0.0.1""#), ("user_agent", #""ua""#)], nil),
        ("app", [("name", #""a""#), ("deployment", #""d""#), ("model", #""m""#)], nil),
        ("source", [("kind", #""web""#), ("name", #""n""#), ("uri", #""u""#), ("trusted", "true")], nil),
        ("tool", [("name", #""f""#), ("arguments", #"{"a":1}"#)], nil),
        ("upstream", [("k", #""v""#)], nil),
    ]

    static let matrixPaths: [String] = matrixBase.flatMap { key, nested, _ in [key] + (nested ?? []).map { "\(key).\($0.0)" } }

    static let matrixValues: [String?] = [
        nil, #""x""#, #""""#, "0", "7", "3.5", "-2", "1e3", "1e300", "9223372036854775807", "true", "null", "[]", "[1]",
        "{}", #"{"id":"u"}"#, #""2025-02-18T12:00:00.5+02:00""#, #""2025-02-30T10:00:00Z""#, #""assistant""#,
    ]

    static func matrixRecord(replacing path: String, with value: String?) -> String {
        var parts: [String] = []
        for (key, nested, raw) in matrixBase {
            var fragment: String?
            if let nested {
                var inner: [String] = []
                for (k, v) in nested {
                    let replaced = path == "\(key).\(k)" ? value : v
                    if let replaced { inner.append(#""\#(k)":\#(replaced)"#) }
                }
                fragment = "{" + inner.joined(separator: ",") + "}"
            } else {
                fragment = raw
            }
            if path == key { fragment = value }
            if let fragment { parts.append(#""\#(key)":\#(fragment)"#) }
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    @Test("schema and decoder agree on every field set to every kind of value, or removed", arguments: matrixPaths)
    func decoderAgreesOnEveryFieldAndValue(path: String) throws {
        let v = try RepoFiles.validator("event")
        var accepted = 0
        var rejected = 0
        for value in Self.matrixValues {
            let record = Self.matrixRecord(replacing: path, with: value)
            let schemaSays = v.validate(jsonText: record).isEmpty
            let decoderSays: Bool
            switch EventParser().parse(Array(record.utf8)) {
            case .event: decoderSays = true
            case .reject(let key, _):
                decoderSays = false
                #expect(key == path || path.hasPrefix((key ?? "-") + "."), "\(record): reject names \(key ?? "nil")")
            }
            #expect(schemaSays == decoderSays, "\(path) = \(value ?? "<absent>"): schema \(schemaSays), decoder \(decoderSays)")
            if decoderSays { accepted += 1 } else { rejected += 1 }
        }
        // Every field accepts some values and refuses others (tool.arguments and upstream members take any JSON).
        #expect(accepted > 0)
        #expect(rejected > 0 || path == "tool.arguments" || path.hasPrefix("upstream."))
    }

    @Test("the decoded fields are the ones in the fixture")
    func decodedFields() throws {
        guard case .event(let e) = EventParser().parse(compact(try RepoFiles.bytes("schemas/event/valid/full.json"))) else {
            Issue.record("full.json rejected")
            return
        }
        #expect(e.eventID == "evt-0002" && e.sessionID == "sess-a" && e.role == .assistant && e.seq == 2)
        #expect(e.user == UserInfo(id: "user-17", tenantID: "tenant-blue", ip: "203.0.113.7", userAgent: "Mozilla/5.0 (X11; Linux x86_64)"))
        #expect(e.app == AppInfo(name: "pet-helper", deployment: "prod-eu", model: "gpt-4o-mini"))
        #expect(e.source?.trusted == true && e.source?.kind == "rag")
        #expect(e.tool?.name == "search_names")
        #expect(e.tool?.arguments == .object(["query": .string("tabby"), "limit": .number(5),
                                              "filters": .array([.string("short"), .null, .bool(true), .number(1.5)])]))
        #expect(e.upstream?["trace_id"] == .string("4bf92f3577b34da6a3ce929d0e0e4736"))
        guard case .event(let t) = EventParser().parse(compact(try RepoFiles.bytes("schemas/event/valid/time-offset-fraction.json"))) else {
            Issue.record("time-offset-fraction.json rejected")
            return
        }
        #expect(t.time.text == "2025-02-18T12:00:00.123456+02:00")
        #expect(t.time == EventTime(rfc3339: "2025-02-18T10:00:00.123456Z"))
        guard case .event(let u) = EventParser().parse(try RepoFiles.bytes("schemas/event/valid/unicode-content.json")) else {
            Issue.record("unicode-content.json rejected")
            return
        }
        #expect(u.content == "Bonjour 👋 — 猫の名前は？ 😺 été" && u.sessionID == "sess-ü")
    }

    // MARK: the program's own output

    @Test("alerts and verdicts the engine produces from the fixture conversations validate",
          arguments: EvidenceText.allCases)
    func engineOutputValidates(evidence: EvidenceText) throws {
        let dir = try makeTempDir("schema-out")
        defer { try? FileManager.default.removeItem(at: dir) }
        var config = EngineConfiguration()
        config.alerts.evidenceText = evidence
        var runner = ReplayRunner(engine: try EngineFactory.makeEngine(config))
        let alertsURL = dir.appendingPathComponent("alerts.jsonl")
        let verdictsURL = dir.appendingPathComponent("verdicts.jsonl")
        let sinks = ReplaySinks(alerts: try JSONLinesWriter(path: alertsURL.path),
                                verdicts: try JSONLinesWriter(path: verdictsURL.path))
        let summary = try runner.run(inputs: RepoFiles.conversations.map { RepoFiles.fixture($0).path }, sinks: sinks)
        try sinks.alerts?.close()
        try sinks.verdicts?.close()
        #expect(summary.rejects == 0)
        let alerts = try readLines(alertsURL)
        let verdicts = try readLines(verdictsURL)
        #expect(alerts.count == summary.alerts && alerts.count >= 3, "the conversations must raise alerts to check")
        #expect(verdicts.count == summary.events && verdicts.count >= 20)
        let alertSchema = try RepoFiles.validator("alert")
        for line in alerts {
            let f = alertSchema.validate(jsonText: line)
            #expect(f.isEmpty, "alert does not validate: \(f)\n\(line.prefix(400))")
            #expect(line.contains("\"excerpt\"") == (evidence != .none))
        }
        let verdictSchema = try RepoFiles.validator("verdict")
        for line in verdicts {
            let f = verdictSchema.validate(jsonText: line)
            #expect(f.isEmpty, "verdict does not validate: \(f)\n\(line.prefix(400))")
        }
        #expect(verdicts.contains { $0.contains(#""alerts":["ascii_smuggling"]"#) })
    }

    @Test("a Verdict and an Alert built in Swift with every optional field set validate")
    func swiftValuesValidate() throws {
        let t = EventTime(rfc3339: "2025-02-18T10:00:00.5+01:00")!
        let alert = Alert(
            alertID: StableHash.id(prefix: "pa-", ["v1", "s", "t", "e"]), version: 4, type: .promptInjectionIndirect,
            subtype: "email", severity: .medium, confidence: 0.5, title: "t", description: "d", remediation: ["r"],
            sessionID: "s", eventIDs: ["e", "f"], firstSeen: t, lastSeen: t,
            entities: .init(user: UserInfo(id: "u", tenantID: "t", ip: "::1", userAgent: "ua"), ip: "::1",
                            app: AppInfo(name: "a", deployment: "d", model: "m")),
            evidence: [.init(eventID: "e", role: .document, time: t, excerpt: "x", indicators: ["rule:x"], scores: ["a": 0.5],
                             source: SourceInfo(kind: "email", name: "n", uri: "u", trusted: false))],
            mitreAtlas: ["AML.T0051.001"], owaspLLM: ["LLM01:2025"], detector: .init(id: "d", version: "v"),
            upstream: ["k": .array([.null, .bool(true)])])
        let verdict = Verdict(
            eventID: "e", sessionID: "s", time: t, role: .tool,
            harm: .init(hate: .init(level: .high, score: 1), sexual: .init(level: .safe, score: 0),
                        violence: .init(level: .low, score: 0.2), selfHarm: .init(level: .medium, score: 0.5),
                        illicit: .init(level: .safe, score: 0)),
            attack: .init(jailbreak: 0.1, promptInjection: 0.2, indirectInjection: 0.3), sessionRisk: 0.4,
            indicators: [Indicator(id: "rule:x", kind: "rule", title: "X", score: 0.9, match: "m")], alerts: [.promptInjectionIndirect])
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let a = try RepoFiles.validator("alert").validate(jsonText: String(decoding: try enc.encode(alert), as: UTF8.self))
        #expect(a.isEmpty, "\(a)")
        let v = try RepoFiles.validator("verdict").validate(jsonText: String(decoding: try enc.encode(verdict), as: UTF8.self))
        #expect(v.isEmpty, "\(v)")
        // And the schema does catch a broken one: a confidence the Swift type allows but the contract does not.
        var bad = alert
        bad.confidence = 3
        #expect(!(try RepoFiles.validator("alert").validate(jsonText: String(decoding: try enc.encode(bad), as: UTF8.self)).isEmpty))
    }
}

/// Re-serialises a pretty-printed fixture on one line, as the strict parser reads it (keys in their order).
func compact(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    var inString = false
    var escaped = false
    for c in bytes {
        if inString {
            out.append(c)
            if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
        } else if c == 0x22 {
            inString = true
            out.append(c)
        } else if c != 0x0A && c != 0x0D && c != 0x20 && c != 0x09 {
            out.append(c)
        }
    }
    return out
}

@Suite("The test validator itself")
struct ValidatorSelfTests {
    static let schema = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "required": ["name", "n"],
          "additionalProperties": false,
          "properties": {
            "name": { "type": "string", "minLength": 2, "pattern": "^[a-z]+$" },
            "n": { "type": "integer", "minimum": 1, "maximum": 10 },
            "x": { "type": ["number", "null"] },
            "when": { "type": "string", "format": "date-time" },
            "tags": { "type": "array", "minItems": 1, "maxItems": 3, "uniqueItems": true, "items": { "$ref": "#/$defs/tag" } },
            "color": { "enum": ["red", "green"] },
            "fixed": { "const": { "a": [1, 2] } },
            "either": { "anyOf": [{ "type": "string" }, { "type": "integer" }] },
            "exactly": { "oneOf": [{ "type": "integer" }, { "type": "number", "minimum": 5 }] },
            "never": false,
            "open": { "type": "object", "additionalProperties": { "type": "boolean" } }
          },
          "$defs": { "tag": { "type": "string", "maxLength": 3 } }
        }
        """

    static let cases: [(String, String?)] = [
        (#"{"name":"ab","n":1}"#, nil),
        (#"{"name":"ab","n":10.0,"x":null,"when":"2025-02-18T10:00:00+02:00","tags":["a","b"],"color":"red","fixed":{"a":[1,2]},"either":3,"exactly":2,"open":{"k":true}}"#, nil),
        (#"{"name":"ab"}"#, "required"),
        (#"{"name":"ab","n":1,"zz":1}"#, "additionalProperties"),
        (#"{"name":"a","n":1}"#, "minLength"),
        (#"{"name":"aB","n":1}"#, "pattern"),
        (#"{"name":"ab","n":"1"}"#, "type"),
        (#"{"name":"ab","n":1.5}"#, "type"),
        (#"{"name":"ab","n":0}"#, "minimum"),
        (#"{"name":"ab","n":11}"#, "maximum"),
        (#"{"name":"ab","n":1,"x":"1"}"#, "type"),
        (#"{"name":"ab","n":1,"when":"2025-13-01T10:00:00Z"}"#, "format"),
        (#"{"name":"ab","n":1,"tags":[]}"#, "minItems"),
        (#"{"name":"ab","n":1,"tags":["a","b","c","d"]}"#, "maxItems"),
        (#"{"name":"ab","n":1,"tags":["a","a"]}"#, "uniqueItems"),
        (#"{"name":"ab","n":1,"tags":["abcd"]}"#, "maxLength"),
        (#"{"name":"ab","n":1,"color":"blue"}"#, "enum"),
        (#"{"name":"ab","n":1,"fixed":{"a":[2,1]}}"#, "const"),
        (#"{"name":"ab","n":1,"either":1.5}"#, "anyOf"),
        (#"{"name":"ab","n":1,"exactly":7}"#, "oneOf"),
        (#"{"name":"ab","n":1,"never":0}"#, "false"),
        (#"{"name":"ab","n":1,"open":{"k":1}}"#, "type"),
        (#"[]"#, "type"),
        (#"{"name":"ab","n":1,}"#, "json"),
        (#"{"name":"ab","name":"cd","n":1}"#, "json"),
        (#"{"name":"a\ud800b","n":1}"#, "json"),
        (#"{"name":"ab","n":01}"#, "json"),
        (#"{"name":"ab","n":1} x"#, "json"),
    ]

    @Test("each keyword passes what it should and fails what it should", arguments: 0..<cases.count)
    func keyword(index: Int) throws {
        let v = try JSONSchemaValidator(schema: try JSONNode.parse(Self.schema))
        let (instance, expected) = Self.cases[index]
        let failures = v.validate(jsonText: instance)
        if let expected {
            #expect(failures.contains { $0.keyword == expected }, "\(instance): expected a \(expected) failure, got \(failures)")
        } else {
            #expect(failures.isEmpty, "\(instance): \(failures)")
        }
    }

    @Test("a keyword the validator does not implement is refused rather than ignored")
    func unknownKeyword() throws {
        #expect(throws: JSONSchemaValidator.SchemaError.self) {
            try JSONSchemaValidator(schema: try JSONNode.parse(#"{"type":"object","propertyNames":{"maxLength":3}}"#))
        }
        #expect(throws: JSONSchemaValidator.SchemaError.self) {
            try JSONSchemaValidator(schema: try JSONNode.parse(#"{"properties":{"a":{"$ref":"other.json"}}}"#))
        }
    }

    @Test("failures carry the JSON pointer of the offending value")
    func failurePaths() throws {
        let v = try JSONSchemaValidator(schema: try JSONNode.parse(Self.schema))
        let f = v.validate(jsonText: #"{"name":"ab","n":1,"tags":["a","toolong"]}"#)
        #expect(f.map(\.path) == ["/tags/1"])
    }
}
