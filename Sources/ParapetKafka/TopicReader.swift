import Foundation

/// Reads whole topics from the beginning without joining a group (static assignment): for the demo, the
/// benchmark, tests and tools that check what the processor wrote.
public final class TopicReader: @unchecked Sendable {
    public let consumer: KafkaConsumer
    public private(set) var messages: [KafkaMessage] = []

    public init(bootstrapServers: String, topics: [String], properties: KafkaProperties = KafkaProperties()) throws {
        var p = KafkaProperties([
            "bootstrap.servers": bootstrapServers,
            "group.id": "parapet-reader-\(UUID().uuidString)",
            "enable.auto.commit": "false",
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": "20",
            "log_level": "3",
        ])
        p = p.merging(properties)
        consumer = try KafkaConsumer(properties: p)
        var parts: [TopicPartitionOffset] = []
        for t in topics {
            var n = 0
            for _ in 0..<50 {  // a topic may be auto-created a moment later: bounded retries
                n = (try? consumer.partitionCount(topic: t, timeoutMillis: 2000)) ?? 0
                if n > 0 { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            guard n > 0 else { throw KafkaError(code: -1, message: "topic \(t) has no partitions") }
            for i in 0..<n { parts.append(TopicPartitionOffset(topic: t, partition: Int32(i), offset: KafkaOffset.beginning)) }
        }
        try consumer.assign(parts)
    }

    /// Polls until `done(messages so far)` or the deadline; returns everything read so far.
    @discardableResult
    public func read(timeout: Duration, until done: ([KafkaMessage]) -> Bool = { _ in false }) -> [KafkaMessage] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let batch = consumer.poll(max: 10_000, timeoutMillis: 50)
            messages.append(contentsOf: batch)
            if done(messages) { break }
        }
        return messages
    }

    public func messages(in topic: String) -> [KafkaMessage] { messages.filter { $0.topic == topic } }
}
