import CRdKafka

/// A librdkafka error: its code, name and message, and what the transactional API says about it.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var isFatal = false
    public var isRetriable = false
    public var txnRequiresAbort = false

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public init(_ err: rd_kafka_resp_err_t, _ context: String = "") {
        code = err.rawValue
        let text = String(cString: rd_kafka_err2str(err))
        message = context.isEmpty ? text : "\(context): \(text)"
    }

    /// Takes ownership of (and destroys) a `rd_kafka_error_t`.
    init(consuming error: OpaquePointer, _ context: String = "") {
        code = rd_kafka_error_code(error).rawValue
        let text = String(cString: rd_kafka_error_string(error))
        message = context.isEmpty ? text : "\(context): \(text)"
        isFatal = rd_kafka_error_is_fatal(error) != 0
        isRetriable = rd_kafka_error_is_retriable(error) != 0
        txnRequiresAbort = rd_kafka_error_txn_requires_abort(error) != 0
        rd_kafka_error_destroy(error)
    }

    public var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code))) }
    public var description: String { "\(name) (\(code)): \(message)" }

    public static let queueFull = RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue
    public static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    public static let fenced = RD_KAFKA_RESP_ERR__FENCED.rawValue
}

/// Kafka protocol request keys, for error injection into the mock cluster (`rdkafka_protocol.h` is not installed).
public enum KafkaApiKey: Int16, Sendable {
    case produce = 0, fetch = 1, listOffsets = 2, metadata = 3, offsetCommit = 8, offsetFetch = 9
    case findCoordinator = 10, joinGroup = 11, heartbeat = 12, leaveGroup = 13, syncGroup = 14
    case initProducerId = 22, addPartitionsToTxn = 24, addOffsetsToTxn = 25, endTxn = 26, txnOffsetCommit = 28
}

/// Broker error codes used in tests and retry logic.
public enum KafkaResponseCode {
    public static let notLeaderForPartition = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue
    public static let requestTimedOut = RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue
    public static let rebalanceInProgress = RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS.rawValue
    public static let coordinatorNotAvailable = RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE.rawValue
    public static let notCoordinator = RD_KAFKA_RESP_ERR_NOT_COORDINATOR.rawValue
    public static let notEnoughReplicas = RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue
    public static let transport = RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
}
