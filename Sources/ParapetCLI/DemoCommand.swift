import ArgumentParser
import Foundation
import Logging
import ParapetCore
import ParapetKafka
import ParapetPipeline

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the stream processor end to end on an embedded Kafka (librdkafka mock cluster) and print the alerts.",
        discussion: """
            Starts an in-process mock Kafka cluster (real Kafka protocol on loopback), produces sample conversations \
            (an ordinary chat, a jailbreak, an indirect injection in a document, a crescendo-style escalation, text \
            hidden in Unicode tag characters, and one malformed record), runs 'parapet run' against it, reads the \
            alerts and dead-letter topics and prints what arrived. Needs no outside service.
            """)

    @Option(help: "Seconds to wait for the output.")
    var timeout: Double = 30

    @Flag(help: "Print whole alert JSON documents.")
    var json = false

    @Option(help: "Log level of the processor.")
    var logLevel: String = "warning"

    func run() async throws {
        ParapetLogging.bootstrap(level: logLevel, format: "text")
        let logger = Logger(label: "parapet.demo")
        print("parapet demo: librdkafka \(KafkaLibrary.version), starting an embedded mock Kafka cluster...")
        let cluster = try MockCluster(brokers: 1)
        try cluster.createTopic("parapet.events", partitions: 3)
        try cluster.createTopic("parapet.alerts", partitions: 1)
        try cluster.createTopic("parapet.dead-letter", partitions: 1)
        print("  bootstrap servers: \(cluster.bootstrapServers)")

        let events = KafkaSamples.demoConversations()
        let producer = try KafkaProducer(properties: KafkaProperties([
            "bootstrap.servers": cluster.bootstrapServers, "partitioner": "murmur2_random", "linger.ms": "1", "log_level": "3",
        ]))
        for e in events {
            try producer.produce(topic: "parapet.events", key: Array(e.sessionID.utf8), value: KafkaSamples.encode(e))
        }
        try producer.produce(topic: "parapet.events", key: Array("s-broken".utf8), value: Array("{\"event_id\": \"x\", oops".utf8))
        try producer.flush(timeoutMillis: 10_000)
        print("  produced \(events.count + 1) events (\(Set(events.map(\.sessionID)).count) conversations + 1 malformed record)")

        var settings = KafkaProcessorSettings(bootstrapServers: cluster.bootstrapServers)
        settings.deadLetterTopic = "parapet.dead-letter"
        settings.commitIntervalMillis = 200
        settings.properties["log_level"] = "3"
        let processor = KafkaProcessor(settings: settings, logger: logger) { try EngineFactory.makeEngine() }
        let task = Task { try await processor.run() }
        print("  processor started (joining the consumer group takes ~3 s on the mock cluster)...")

        let total = Double(events.count)
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if processor.metrics.counterTotal("parapet_events_total") >= total,
               processor.metrics.counterTotal("parapet_rejects_total") >= 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        processor.stop()
        try await task.value

        let reader = try TopicReader(bootstrapServers: cluster.bootstrapServers, topics: ["parapet.alerts", "parapet.dead-letter"],
                                     properties: KafkaProperties(["log_level": "3"]))
        let expectedAlerts = Int(processor.metrics.counterTotal("parapet_alerts_total"))
        reader.read(timeout: .seconds(5)) { msgs in
            msgs.filter { $0.topic == "parapet.alerts" }.count >= expectedAlerts && msgs.contains { $0.topic == "parapet.dead-letter" }
        }
        let processed = Int(processor.metrics.counterTotal("parapet_events_total"))
        print("\nprocessed \(processed) of \(events.count) events; alerts topic holds \(reader.messages(in: "parapet.alerts").count) alert(s):\n")
        let decoder = JSONDecoder()
        for m in reader.messages(in: "parapet.alerts") {
            if json {
                print(String(decoding: m.value, as: UTF8.self))
                continue
            }
            guard let a = try? decoder.decode(Alert.self, from: Data(m.value)) else { continue }
            let header = m.header("alert_id").map { String(decoding: $0, as: UTF8.self) } ?? "-"
            print("  [\(a.severity.rawValue)] \(a.type.rawValue)\(a.subtype.map { "/\($0)" } ?? "")  session=\(a.sessionID)  v\(a.version)")
            print("      \(a.title)")
            print("      alert_id=\(header)  events=\(a.eventIDs.joined(separator: ","))  atlas=\(a.mitreAtlas.joined(separator: ","))")
        }
        let covered = Set(reader.messages(in: "parapet.alerts").compactMap { try? decoder.decode(Alert.self, from: Data($0.value)).sessionID })
        let quiet = Set(events.map(\.sessionID)).subtracting(covered).sorted()
        if !quiet.isEmpty { print("\n  no alert for: \(quiet.joined(separator: ", "))") }
        print("\ndead-letter topic:")
        for m in reader.messages(in: "parapet.dead-letter") {
            if let r = try? decoder.decode(Reject.self, from: Data(m.value)) {
                print("  \(r.topic ?? "?")[\(r.partition ?? -1)]@\(r.offset ?? -1): \(r.reason)")
            }
        }
        print("\nmetrics excerpt:")
        for line in processor.metrics.render().split(separator: "\n")
        where !line.hasPrefix("#") && (line.hasPrefix("parapet_events") || line.hasPrefix("parapet_alerts") || line.hasPrefix("parapet_rejects")
                                     || line.hasPrefix("parapet_commits") || line.hasPrefix("parapet_live_sessions")) {
            print("  \(line)")
        }
        if processed < events.count {
            StandardError.write("parapet demo: only \(processed) of \(events.count) events were processed in \(timeout) s")
            throw ExitCode(1)
        }
    }
}
