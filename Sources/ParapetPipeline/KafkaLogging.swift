import Foundation
import Logging

/// Structured logs on stderr for the stream processor: logfmt-like text or one JSON object per line.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var obj: [String: String] = [
            "ts": ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!,
                                              formatOptions: [.withInternetDateTime, .withFractionalSeconds]),
            "level": event.level.rawValue, "logger": label, "msg": "\(event.message)",
        ]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { _, b in b }) { obj[k] = "\(v)" }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? enc.encode(obj)) ?? Data()
        data.append(10)
        FileHandle.standardError.write(data)
    }
}

public enum ParapetLogging {
    private static let once = NSLock()
    nonisolated(unsafe) private static var done = false

    /// Bootstraps swift-log once per process (later calls are ignored).
    public static func bootstrap(level: String, format: String) {
        once.lock()
        defer { once.unlock() }
        guard !done else { return }
        done = true
        let lvl = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in
            if format == "json" {
                var h = JSONLogHandler(label: label)
                h.logLevel = lvl
                return h
            }
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = lvl
            return h
        }
    }
}
