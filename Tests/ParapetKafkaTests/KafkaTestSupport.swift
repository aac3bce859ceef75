import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import ParapetCore
import ParapetKafka
import ParapetPipeline
import Testing

/// A Kafka cluster for a test: librdkafka's in-process mock cluster, or an external cluster when
/// PARAPET_TEST_BOOTSTRAP is set (then topics are auto-created and fault-injection tests are skipped).
final class TestCluster: @unchecked Sendable {
    let mock: MockCluster?
    let bootstrap: String
    let prefix: String

    static var external: String? { ProcessInfo.processInfo.environment["PARAPET_TEST_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 } }

    init(brokers: Int = 1) throws {
        prefix = "t\(UInt32.random(in: 0...UInt32.max))"
        if let ext = Self.external {
            mock = nil
            bootstrap = ext
        } else {
            let m = try MockCluster(brokers: brokers)
            mock = m
            bootstrap = m.bootstrapServers
        }
    }

    func topic(_ name: String, partitions: Int32) throws -> String {
        let t = "\(prefix).\(name)"
        if let mock { try mock.createTopic(t, partitions: partitions) }
        return t
    }

    func settings(input: String, alerts: String, dlq: String?, group: String? = nil) -> KafkaProcessorSettings {
        var s = KafkaProcessorSettings(bootstrapServers: bootstrap, groupID: group ?? "\(prefix)-group", inputTopic: input, alertsTopic: alerts)
        s.deadLetterTopic = dlq
        s.commitIntervalMillis = 200
        s.properties["log_level"] = "3"
        s.consumerProperties["session.timeout.ms"] = "6000"
        s.consumerProperties["heartbeat.interval.ms"] = "500"
        return s
    }

    func produce(_ topic: String, _ events: [ChatEvent], extra: [(key: String, value: String)] = []) throws {
        let p = try KafkaProducer(properties: KafkaProperties([
            "bootstrap.servers": bootstrap, "partitioner": "murmur2_random", "linger.ms": "2", "log_level": "3",
            "enable.idempotence": "true",
        ]))
        for e in events { try p.produce(topic: topic, key: Array(e.sessionID.utf8), value: KafkaSamples.encode(e)) }
        for x in extra { try p.produce(topic: topic, key: Array(x.key.utf8), value: Array(x.value.utf8)) }
        try p.flush(timeoutMillis: 30_000)
    }
}

struct AlertKey: Hashable, Comparable, CustomStringConvertible {
    var id: String
    var version: Int
    static func < (a: Self, b: Self) -> Bool { (a.id, a.version) < (b.id, b.version) }
    var description: String { "\(id)#\(version)" }
}

enum Expect {
    /// What a clean run must produce: the same engine over each session's events, in order.
    static func alerts(_ events: [ChatEvent]) throws -> Set<AlertKey> {
        var engine = try EngineFactory.makeEngine()
        var out = Set<AlertKey>()
        for e in events { for a in engine.process(e).alerts { out.insert(AlertKey(id: a.alertID, version: a.version)) } }
        return out
    }

    static func decode(_ messages: [KafkaMessage]) -> [AlertKey] {
        let d = JSONDecoder()
        return messages.compactMap { m in
            guard let a = try? d.decode(Alert.self, from: Data(m.value)) else { return nil }
            return AlertKey(id: a.alertID, version: a.version)
        }
    }
}

func testLogger(_ label: String) -> Logger {
    var l = Logger(label: label)
    l.logLevel = ProcessInfo.processInfo.environment["PARAPET_TEST_LOG"] == nil ? .error : .info
    return l
}

/// Runs a processor in-process; `stop()` waits for its graceful shutdown.
final class RunningProcessor: @unchecked Sendable {
    let processor: KafkaProcessor
    let task: Task<Void, any Error>

    init(_ settings: KafkaProcessorSettings, label: String = "test") {
        processor = KafkaProcessor(settings: settings, logger: testLogger(label)) { try EngineFactory.makeEngine() }
        let p = processor
        task = Task.detached { try await p.run() }
    }

    var events: Double { processor.metrics.counterTotal("parapet_events_total") }

    func stop() async throws {
        processor.stop()
        try await task.value
    }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass.
@discardableResult
func waitUntil(_ seconds: Double, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}

/// A blocking HTTP GET on loopback (status, body), for the ops endpoints.
func httpGet(port: Int, path: String) -> (Int, String)? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var tv = timeval(tv_sec: 5, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
    let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    guard r == 0 else { return nil }
    let req = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
    _ = req.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    var data: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = read(fd, &buf, buf.count)
        if n <= 0 { break }
        data.append(contentsOf: buf[0..<n])
    }
    let text = String(decoding: data, as: UTF8.self)
    guard let sp = text.split(separator: " ", maxSplits: 2).dropFirst().first, let status = Int(sp),
          let body = text.range(of: "\r\n\r\n") else { return nil }
    return (status, String(text[body.upperBound...]))
}
