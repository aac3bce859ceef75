import CRdKafka
import Foundation

/// librdkafka's in-process mock cluster (real Kafka protocol over loopback TCP), for tests, the demo and the
/// benchmark. Clients reach it through `bootstrapServers`. The cluster lives as long as this object.
public final class MockCluster: @unchecked Sendable {
    private let owner: OpaquePointer
    private let cluster: OpaquePointer
    public let bootstrapServers: String
    public let brokerCount: Int

    public init(brokers: Int = 1) throws {
        let conf = rd_kafka_conf_new()!
        var err = [CChar](repeating: 0, count: 512)
        _ = rd_kafka_conf_set(conf, "log_level", "3", &err, err.count)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &err, err.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: -1, message: err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        guard let mc = rd_kafka_mock_cluster_new(rk, Int32(brokers)) else {
            rd_kafka_destroy(rk)
            throw KafkaError(code: -1, message: "cannot create the mock cluster")
        }
        owner = rk
        cluster = mc
        brokerCount = brokers
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mc))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }

    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws {
        let r = rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor)
        if r != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(r, "create topic \(name)") }
    }

    /// Broker ids are 1...brokerCount.
    public func setBrokerDown(_ broker: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster, broker)
    }

    public func setBrokerUp(_ broker: Int32) {
        _ = rd_kafka_mock_broker_set_up(cluster, broker)
    }

    public func setBrokerRTT(_ broker: Int32, millis: Int32) {
        _ = rd_kafka_mock_broker_set_rtt(cluster, broker, millis)
    }

    /// The next requests of this type (cluster-wide) fail with these error codes, one per request, in order.
    public func pushRequestErrors(_ api: KafkaApiKey, _ errors: [Int32]) {
        var codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        rd_kafka_mock_push_request_errors_array(cluster, api.rawValue, codes.count, &codes)
    }

    public func clearRequestErrors(_ api: KafkaApiKey) {
        rd_kafka_mock_clear_request_errors(cluster, api.rawValue)
    }

    public func setCoordinator(group: String, broker: Int32) {
        _ = rd_kafka_mock_coordinator_set(cluster, "group", group, broker)
    }

    public func setPartitionLeader(topic: String, partition: Int32, broker: Int32) {
        _ = rd_kafka_mock_partition_set_leader(cluster, topic, partition, broker)
    }
}
