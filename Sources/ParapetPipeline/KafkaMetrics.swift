import Foundation

/// The stream processor's metrics, rendered as Prometheus text (exposition format 0.0.4).
/// A small lock-protected registry rather than swift-metrics + swift-prometheus: the processor has one writer
/// thread and a handful of series, and this keeps the build lean on small CI machines.
public final class KafkaMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var counters: [String: [String: Double]] = [:]
    private var gauges: [String: [String: Double]] = [:]
    private var help: [String: (type: String, text: String)] = [:]
    /// Latency histogram buckets, in seconds.
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private var latencyCounts = [UInt64](repeating: 0, count: KafkaMetrics.latencyBuckets.count)
    private var latencySum: Double = 0
    private var latencyCount: UInt64 = 0

    public init() {
        describe("parapet_events_total", "counter", "Events consumed and processed live (not restore replays).")
        describe("parapet_restore_events_total", "counter", "Events re-read to rebuild conversation windows (alerts suppressed).")
        describe("parapet_alerts_total", "counter", "Alerts produced, by alert type.")
        describe("parapet_rejects_total", "counter", "Malformed or contract-breaking events sent to the dead-letter topic.")
        describe("parapet_key_mismatch_total", "counter", "Events whose Kafka key is not their session_id (conversations may be split).")
        describe("parapet_verdicts_total", "counter", "Verdicts produced.")
        describe("parapet_commits_total", "counter", "Offset commits (or committed transactions), by result.")
        describe("parapet_rebalances_total", "counter", "Rebalance events, by kind (assign, revoke, lost).")
        describe("parapet_session_evictions_total", "counter", "Sessions evicted, by reason (capacity, idle).")
        describe("parapet_eviction_flushed_alerts_total", "counter", "Final alert versions emitted because an evicted session or user held incident growth no version carried yet.")
        describe("parapet_delivery_errors_total", "counter", "Produce delivery failures.")
        describe("parapet_backpressure_pauses_total", "counter", "Times fetching was paused because too many outputs were in flight.")
        describe("parapet_consumer_lag", "gauge", "Messages behind the high watermark, per partition.")
        describe("parapet_live_sessions", "gauge", "Conversation windows held in memory, per partition.")
        describe("parapet_assigned_partitions", "gauge", "Partitions owned by this instance.")
        describe("parapet_inflight_outputs", "gauge", "Produced messages not yet acknowledged by the broker.")
        describe("parapet_processing_latency_seconds", "histogram", "Time from the input record's Kafka timestamp to the end of its processing.")
    }

    private func describe(_ name: String, _ type: String, _ text: String) { help[name] = (type, text) }

    private static func labelKey(_ labels: [(String, String)]) -> String {
        labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
    }

    private static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    public func increment(_ name: String, _ labels: [(String, String)] = [], by value: Double = 1) {
        let k = Self.labelKey(labels)
        lock.lock(); defer { lock.unlock() }
        counters[name, default: [:]][k, default: 0] += value
    }

    public func set(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        let k = Self.labelKey(labels)
        lock.lock(); defer { lock.unlock() }
        gauges[name, default: [:]][k] = value
    }

    public func removeGauge(_ name: String, _ labels: [(String, String)]) {
        let k = Self.labelKey(labels)
        lock.lock(); defer { lock.unlock() }
        gauges[name]?[k] = nil
    }

    /// Records many latency observations at once (one lock per batch).
    public func observeLatencies(_ seconds: [Double]) {
        guard !seconds.isEmpty else { return }
        lock.lock(); defer { lock.unlock() }
        for s in seconds {
            latencySum += s
            latencyCount += 1
            if let i = Self.latencyBuckets.firstIndex(where: { s <= $0 }) { latencyCounts[i] += 1 }
        }
    }

    public func counter(_ name: String, _ labels: [(String, String)] = []) -> Double {
        lock.lock(); defer { lock.unlock() }
        return counters[name]?[Self.labelKey(labels)] ?? 0
    }

    public func counterTotal(_ name: String) -> Double {
        lock.lock(); defer { lock.unlock() }
        return counters[name]?.values.reduce(0, +) ?? 0
    }

    public func render() -> String {
        lock.lock(); defer { lock.unlock() }
        var out = ""
        func series(_ name: String, _ values: [String: Double]) {
            if let h = help[name] { out += "# HELP \(name) \(h.text)\n# TYPE \(name) \(h.type)\n" }
            for (k, v) in values.sorted(by: { $0.key < $1.key }) {
                out += k.isEmpty ? "\(name) \(fmt(v))\n" : "\(name){\(k)} \(fmt(v))\n"
            }
        }
        for (name, values) in counters.sorted(by: { $0.key < $1.key }) { series(name, values) }
        for (name, values) in gauges.sorted(by: { $0.key < $1.key }) { series(name, values) }
        let h = "parapet_processing_latency_seconds"
        if let d = help[h] { out += "# HELP \(h) \(d.text)\n# TYPE \(h) histogram\n" }
        var cumulative: UInt64 = 0
        for (i, b) in Self.latencyBuckets.enumerated() {
            cumulative += latencyCounts[i]
            out += "\(h)_bucket{le=\"\(fmt(b))\"} \(cumulative)\n"
        }
        out += "\(h)_bucket{le=\"+Inf\"} \(latencyCount)\n\(h)_sum \(fmt(latencySum))\n\(h)_count \(latencyCount)\n"
        return out
    }

    private func fmt(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
