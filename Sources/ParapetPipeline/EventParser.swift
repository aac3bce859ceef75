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
        var firstNonSpace = 0
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
        do {
            let e = try JSONDecoder().decode(ChatEvent.self, from: Data(bytes))
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
