/// One prompt or response message: the input contract (`Schemas/event.schema.json`).
/// Unknown fields are ignored so that producers can add fields without breaking Parapet.
public struct ChatEvent: Sendable, Hashable {
    public var eventID: String
    public var sessionID: String
    public var time: EventTime
    public var role: Role
    public var content: String
    public var seq: Int?
    public var user: UserInfo?
    public var app: AppInfo?
    public var source: SourceInfo?
    public var tool: ToolCall?
    public var upstream: [String: JSONValue]?

    public init(eventID: String, sessionID: String, time: EventTime, role: Role, content: String, seq: Int? = nil,
                user: UserInfo? = nil, app: AppInfo? = nil, source: SourceInfo? = nil, tool: ToolCall? = nil,
                upstream: [String: JSONValue]? = nil) {
        self.eventID = eventID
        self.sessionID = sessionID
        self.time = time
        self.role = role
        self.content = content
        self.seq = seq
        self.user = user
        self.app = app
        self.source = source
        self.tool = tool
        self.upstream = upstream
    }
}

public struct UserInfo: Codable, Sendable, Hashable {
    public var id: String?
    public var tenantID: String?
    public var ip: String?
    public var userAgent: String?

    public init(id: String? = nil, tenantID: String? = nil, ip: String? = nil, userAgent: String? = nil) {
        self.id = id
        self.tenantID = tenantID
        self.ip = ip
        self.userAgent = userAgent
    }

    enum CodingKeys: String, CodingKey {
        case id, ip
        case tenantID = "tenant_id"
        case userAgent = "user_agent"
    }
}

public struct AppInfo: Codable, Sendable, Hashable {
    public var name: String?
    public var deployment: String?
    public var model: String?

    public init(name: String? = nil, deployment: String? = nil, model: String? = nil) {
        self.name = name
        self.deployment = deployment
        self.model = model
    }
}

/// Where non-user content came from (email, web, file, tool, table, code, rag, ...).
public struct SourceInfo: Codable, Sendable, Hashable {
    public var kind: String?
    public var name: String?
    public var uri: String?
    public var trusted: Bool?

    public init(kind: String? = nil, name: String? = nil, uri: String? = nil, trusted: Bool? = nil) {
        self.kind = kind
        self.name = name
        self.uri = uri
        self.trusted = trusted
    }
}

public struct ToolCall: Codable, Sendable, Hashable {
    public var name: String?
    public var arguments: JSONValue?

    public init(name: String? = nil, arguments: JSONValue? = nil) {
        self.name = name
        self.arguments = arguments
    }
}

extension ChatEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case eventID = "event_id", sessionID = "session_id", time, role, content, seq, user, app, source, tool, upstream
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        eventID = try Self.requiredString(c, .eventID, nonEmpty: true)
        sessionID = try Self.requiredString(c, .sessionID, nonEmpty: true)
        let timeText = try Self.requiredString(c, .time, nonEmpty: true)
        guard let t = EventTime(rfc3339: timeText) else {
            throw ContractViolation(key: "time", reason: "not an RFC 3339 date-time (e.g. 2025-02-18T10:00:00Z)")
        }
        time = t
        let roleText = try Self.requiredString(c, .role, nonEmpty: false)
        guard let r = Role(rawValue: roleText) else {
            throw ContractViolation(
                key: "role", reason: "must be one of user, assistant, system, tool, document (got \"\(roleText.prefix(40))\")")
        }
        role = r
        content = try Self.requiredString(c, .content, nonEmpty: false)
        seq = try Self.optional(c, .seq, Int.self, expected: "an integer")
        user = try Self.optional(c, .user, UserInfo.self, expected: "an object {id, tenant_id, ip, user_agent}")
        app = try Self.optional(c, .app, AppInfo.self, expected: "an object {name, deployment, model}")
        source = try Self.optional(c, .source, SourceInfo.self, expected: "an object {kind, name, uri, trusted}")
        tool = try Self.optional(c, .tool, ToolCall.self, expected: "an object {name, arguments}")
        upstream = try Self.optional(c, .upstream, [String: JSONValue].self, expected: "an object")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(eventID, forKey: .eventID)
        try c.encode(sessionID, forKey: .sessionID)
        try c.encode(time, forKey: .time)
        try c.encode(role, forKey: .role)
        try c.encode(content, forKey: .content)
        try c.encodeIfPresent(seq, forKey: .seq)
        try c.encodeIfPresent(user, forKey: .user)
        try c.encodeIfPresent(app, forKey: .app)
        try c.encodeIfPresent(source, forKey: .source)
        try c.encodeIfPresent(tool, forKey: .tool)
        try c.encodeIfPresent(upstream, forKey: .upstream)
    }

    private static func requiredString(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, nonEmpty: Bool) throws -> String {
        guard c.contains(key), !(try c.decodeNil(forKey: key)) else {
            throw ContractViolation(key: key.stringValue, reason: "required key is missing")
        }
        let s: String
        do {
            s = try c.decode(String.self, forKey: key)
        } catch DecodingError.typeMismatch {
            throw ContractViolation(key: key.stringValue, reason: "must be a string")
        } catch {
            // The value is a string the decoder cannot read (a bad escape, a lone surrogate): say so, not "type".
            throw ContractViolation(key: key.stringValue, reason: "not a valid JSON string")
        }
        if nonEmpty && s.isEmpty { throw ContractViolation(key: key.stringValue, reason: "must not be empty") }
        return s
    }

    private static func optional<T: Decodable>(_ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys, _ type: T.Type,
                                               expected: String) throws -> T? {
        guard c.contains(key), !(try c.decodeNil(forKey: key)) else { return nil }
        do {
            return try c.decode(T.self, forKey: key)
        } catch let DecodingError.typeMismatch(_, ctx) {
            let path = ([key.stringValue] + ctx.codingPath.dropFirst(c.codingPath.count + 1).map(\.stringValue))
                .joined(separator: ".")
            throw ContractViolation(key: path, reason: path == key.stringValue ? "must be \(expected)" : "wrong type: \(ctx.debugDescription)")
        } catch {
            throw ContractViolation(key: key.stringValue, reason: "must be \(expected)")
        }
    }
}

/// An input that breaks the event contract; `key` names the offending field (dotted path).
public struct ContractViolation: Error, Sendable, Hashable, CustomStringConvertible {
    public var key: String?
    public var reason: String

    public init(key: String?, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { key.map { "key '\($0)': \(reason)" } ?? reason }
}
