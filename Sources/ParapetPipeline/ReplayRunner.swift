import Foundation
import ParapetAlerts
import ParapetCore

/// Counts of one replay, printed as the summary on stderr.
public struct ReplaySummary: Sendable {
    public var events = 0
    /// Distinct session ids: exact, or (when `sessionsEstimated`) an estimate, since the count is kept in bounded
    /// memory (`ReplayRunner.maxExactSessions`).
    public var sessions = 0
    /// True when more than `ReplayRunner.maxExactSessions` distinct sessions were seen and `sessions` is a
    /// HyperLogLog estimate (about ±2%, never below the limit).
    public var sessionsEstimated = false
    public var alerts = 0
    public var alertsByType: [AlertType: Int] = [:]
    public var rejects = 0
    public var bytes: Int64 = 0
    public var seconds: Double = 0

    public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }

    public var text: String {
        let sessionText = sessionsEstimated ? "~\(sessions) sessions (estimated, ±2%)" : "\(sessions) sessions"
        var s = "parapet replay: \(events) events, \(sessionText), \(alerts) alerts, \(rejects) rejects, "
        s += String(format: "%.1f s, %.0f events/s", seconds, eventsPerSecond)
        for (t, n) in alertsByType.sorted(by: { $0.key < $1.key }) { s += "\n  \(t.rawValue): \(n)" }
        return s
    }
}

/// Where replay output goes. Any of them may be absent.
public struct ReplaySinks {
    public var alerts: JSONLinesWriter?
    public var verdicts: JSONLinesWriter?
    public var rejects: JSONLinesWriter?
    /// Called for each alert (e.g. the HTML report collects them).
    public var onAlert: ((Alert) -> Void)?
    /// Called for each verdict.
    public var onVerdict: ((Verdict) -> Void)?
    /// Called for each reject, after it was written (stderr reporting).
    public var onReject: ((Reject) -> Void)?

    public init(alerts: JSONLinesWriter? = nil, verdicts: JSONLinesWriter? = nil, rejects: JSONLinesWriter? = nil) {
        self.alerts = alerts
        self.verdicts = verdicts
        self.rejects = rejects
    }
}

/// Runs recorded events through the engine: the file twin of the Kafka processor, same engine, same ids.
public struct ReplayRunner {
    public var engine: DetectionEngine
    public var maxLineBytes: Int
    /// Distinct sessions counted exactly for the summary; beyond this the count is an estimate (bounded memory).
    public var maxExactSessions = 1_000_000
    public var progress: ((ReplaySummary, Int64) -> Void)?
    let parser = EventParser()

    public init(engine: DetectionEngine, maxLineBytes: Int = 16 << 20) {
        self.engine = engine
        self.maxLineBytes = maxLineBytes
    }

    public mutating func run(inputs: [String], sinks: ReplaySinks) throws -> ReplaySummary {
        var summary = ReplaySummary()
        var sessions = DistinctCounter(exactLimit: maxExactSessions)
        let clock = ContinuousClock()
        let started = clock.now
        for path in inputs {
            let reader: LineReader
            do {
                reader = try LineReader(path: path, maxLineBytes: maxLineBytes)
            } catch {
                summary.rejects += 1
                let r = Reject(input: path, reason: "\(error)")
                try sinks.rejects?.write(r)
                sinks.onReject?(r)
                continue
            }
            while true {
                // A read error (a corrupt or truncated .gz) ends this input, not the replay: the lines before it
                // were processed, the other inputs still are.
                let next: LineReader.Line?
                do {
                    next = try reader.next()
                } catch {
                    summary.rejects += 1
                    let r = Reject(input: reader.name, line: reader.lineNumber + 1, reason: "\(error)")
                    try sinks.rejects?.write(r)
                    sinks.onReject?(r)
                    break
                }
                guard let line = next else { break }
                let outcome: EventParser.Outcome
                var raw: [UInt8] = []
                switch line {
                case .tooLong(let n):
                    outcome = .reject(key: nil, reason: "line of \(n) bytes is longer than the limit of \(maxLineBytes) bytes")
                case .text(let bytes):
                    // Blank lines are not records (nor is a lone byte order mark, e.g. an "empty" file from Notepad).
                    let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? bytes.dropFirst(3) : bytes[...]
                    if body.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
                    raw = bytes
                    outcome = parser.parse(bytes)
                }
                switch outcome {
                case .reject(let key, let reason):
                    summary.rejects += 1
                    let r = Reject(input: reader.name, line: reader.lineNumber, key: key, reason: reason,
                                   raw: raw.isEmpty ? nil : String(decoding: raw, as: UTF8.self))
                    try sinks.rejects?.write(r)
                    sinks.onReject?(r)
                case .event(let event):
                    summary.events += 1
                    sessions.insert(event.sessionID)
                    let out = engine.process(event)
                    try sinks.verdicts?.write(out.verdict)
                    sinks.onVerdict?(out.verdict)
                    for a in out.alerts {
                        summary.alerts += 1
                        summary.alertsByType[a.type, default: 0] += 1
                        try sinks.alerts?.write(a)
                        sinks.onAlert?(a)
                    }
                    if summary.events % 10_000 == 0, let progress {
                        summary.seconds = (clock.now - started).seconds
                        progress(summary, reader.bytesRead)
                    }
                }
            }
            summary.bytes += reader.bytesRead
        }
        try sinks.alerts?.flush()
        try sinks.verdicts?.flush()
        try sinks.rejects?.flush()
        summary.sessions = sessions.count
        summary.sessionsEstimated = !sessions.isExact
        summary.seconds = (clock.now - started).seconds
        return summary
    }
}

extension Duration {
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) / 1e18
    }
}
