import CRdKafka
import Foundation

/// A partition of a topic, with an offset (or a logical offset) and optional commit metadata.
public struct TopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var metadata: [UInt8]?

    public init(topic: String, partition: Int32, offset: Int64 = KafkaOffset.invalid, metadata: [UInt8]? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.metadata = metadata
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

public enum KafkaOffset {
    public static let beginning = Int64(RD_KAFKA_OFFSET_BEGINNING)
    public static let end = Int64(RD_KAFKA_OFFSET_END)
    public static let stored = Int64(RD_KAFKA_OFFSET_STORED)
    public static let invalid = Int64(RD_KAFKA_OFFSET_INVALID)
}

/// One consumed record, copied out of librdkafka (the C message is destroyed right away).
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    /// Producer or log-append time, milliseconds since the epoch (-1 when absent).
    public var timestampMillis: Int64
    public var headers: [(String, [UInt8])]

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], timestampMillis: Int64,
                headers: [(String, [UInt8])] = []) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.timestampMillis = timestampMillis
        self.headers = headers
    }

    public func header(_ name: String) -> [UInt8]? { headers.last { $0.0 == name }?.1 }
}

/// Ordered librdkafka properties (`bootstrap.servers`, `sasl.*`, `ssl.*`, tuning...), passed through as they are.
public struct KafkaProperties: Sendable, Hashable {
    public private(set) var values: [String: String] = [:]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }

    public func merging(_ other: KafkaProperties) -> KafkaProperties {
        KafkaProperties(values.merging(other.values) { _, b in b })
    }

    /// Throws if librdkafka rejects a property name or value.
    public func validate() throws {
        rd_kafka_conf_destroy(try makeConf())
    }

    /// Builds a `rd_kafka_conf_t`; the caller owns it (until `rd_kafka_new` takes it).
    func makeConf() throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var err = [CChar](repeating: 0, count: 512)
        for (k, v) in values.sorted(by: { $0.key < $1.key }) {
            let r = rd_kafka_conf_set(conf, k, v, &err, err.count)
            if r != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let text = err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                throw KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue, message: "property '\(k)': \(text)")
            }
        }
        return conf
    }
}

/// Converts between Swift values and `rd_kafka_topic_partition_list_t`.
enum PartitionList {
    static func make(_ items: [TopicPartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(items.count, 1)))!
        for i in items {
            let p = rd_kafka_topic_partition_list_add(list, i.topic, i.partition)!
            p.pointee.offset = i.offset
            if let m = i.metadata, !m.isEmpty {
                // librdkafka frees metadata with free() when the list is destroyed.
                let buf = malloc(m.count)!
                m.withUnsafeBytes { buf.copyMemory(from: $0.baseAddress!, byteCount: m.count) }
                p.pointee.metadata = buf
                p.pointee.metadata_size = m.count
            }
        }
        return list
    }

    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>?) -> [TopicPartitionOffset] {
        guard let list else { return [] }
        var out: [TopicPartitionOffset] = []
        out.reserveCapacity(Int(list.pointee.cnt))
        for i in 0..<Int(list.pointee.cnt) {
            let p = list.pointee.elems[i]
            var meta: [UInt8]?
            if let m = p.metadata, p.metadata_size > 0 {
                meta = Array(UnsafeRawBufferPointer(start: m, count: p.metadata_size))
            }
            out.append(TopicPartitionOffset(topic: String(cString: p.topic), partition: p.partition, offset: p.offset,
                                            metadata: meta))
        }
        return out
    }

    /// The first per-partition error in a list, if any.
    static func firstError(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> KafkaError? {
        for i in 0..<Int(list.pointee.cnt) {
            let p = list.pointee.elems[i]
            if p.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                return KafkaError(p.err, "\(String(cString: p.topic))[\(p.partition)]")
            }
        }
        return nil
    }
}

/// Per-message opaque values and errors for produce delivery reports.
public struct DeliveryReport: Sendable {
    public var opaque: UInt
    public var error: KafkaError?
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}

/// librdkafka log lines and client-level errors, routed to the application (swift-log in Parapet).
public struct KafkaLogLine: Sendable {
    public var level: Int32
    public var facility: String
    public var message: String
}
