import CRdKafka
import Foundation

/// An owned C pointer that may cross threads. The owner guarantees the thread rules librdkafka documents
/// (a `rd_kafka_t` is thread-safe; Parapet still confines each consumer to the one thread that polls it).
public struct SendablePointer: @unchecked Sendable {
    public let raw: OpaquePointer
    public init(_ raw: OpaquePointer) { self.raw = raw }
}

/// What the group coordinator asks of the consumer. Runs inside `poll`, on the polling thread.
public enum RebalanceEvent: Sendable {
    case assign([TopicPartitionOffset])
    /// `lost`: the assignment was lost (session timeout, fenced): do not commit, just drop state.
    case revoke([TopicPartitionOffset], lost: Bool)
}

/// Callbacks set on a client's configuration. Kept alive by the client; reached from C through the conf opaque.
final class CallbackBox: @unchecked Sendable {
    /// Called on the polling thread inside `rd_kafka_consumer_poll`; returns the partitions (with start offsets)
    /// to assign on `.assign` (ignored on `.revoke`).
    var rebalance: ((RebalanceEvent) -> [TopicPartitionOffset])?
    /// Called on the thread that calls `poll`/`flush` on the producer.
    var delivery: ((DeliveryReport) -> Void)?
    let log: (@Sendable (KafkaLogLine) -> Void)?
    let error: (@Sendable (KafkaError) -> Void)?
    /// Whether `partition.assignment.strategy` names a cooperative assignor (used when librdkafka reports none).
    var cooperativeConfigured = false

    init(log: (@Sendable (KafkaLogLine) -> Void)?, error: (@Sendable (KafkaError) -> Void)?) {
        self.log = log
        self.error = error
    }

    static func from(_ rk: OpaquePointer?) -> CallbackBox? {
        guard let rk, let p = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<CallbackBox>.fromOpaque(p).takeUnretainedValue()
    }
}

private let logCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    rk, level, fac, buf in
    guard let box = CallbackBox.from(rk), let log = box.log else { return }
    log(KafkaLogLine(level: level, facility: fac.map { String(cString: $0) } ?? "",
                     message: buf.map { String(cString: $0) } ?? ""))
}

private let errorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
    rk, err, reason, _ in
    guard let box = CallbackBox.from(rk), let handler = box.error else { return }
    var e = KafkaError(code: err, message: reason.map { String(cString: $0) } ?? "")
    if err == RD_KAFKA_RESP_ERR__FATAL.rawValue, let rk {
        var buf = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(rk, &buf, buf.count)
        e = KafkaError(code: code.rawValue, message: buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        e.isFatal = true
    }
    handler(e)
}

private let rebalanceCallback: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t,
                                               UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
                                               UnsafeMutableRawPointer?) -> Void = { rk, err, partitions, _ in
    guard let rk else { return }
    let box = CallbackBox.from(rk)
    // NULL when the group has no protocol yet (e.g. while closing before a join finished): use the configured one.
    let proto: UnsafePointer<CChar>? = rd_kafka_rebalance_protocol(rk)
    let cooperative = proto.map { String(cString: $0) == "COOPERATIVE" } ?? (box?.cooperativeConfigured ?? false)
    let items = PartitionList.read(partitions)
    switch err {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        let chosen = box?.rebalance?(.assign(items)) ?? items
        let list = PartitionList.make(chosen)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        if cooperative {
            if let e = rd_kafka_incremental_assign(rk, list) { box?.error?(KafkaError(consuming: e, "incremental assign")) }
        } else {
            let r = rd_kafka_assign(rk, list)
            if r != RD_KAFKA_RESP_ERR_NO_ERROR { box?.error?(KafkaError(r, "assign")) }
        }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        let lost = rd_kafka_assignment_lost(rk) != 0
        _ = box?.rebalance?(.revoke(items, lost: lost))
        if cooperative {
            if let e = rd_kafka_incremental_unassign(rk, partitions) { box?.error?(KafkaError(consuming: e, "incremental unassign")) }
        } else {
            rd_kafka_assign(rk, nil)
        }
    default:
        box?.error?(KafkaError(err, "rebalance"))
        _ = box?.rebalance?(.revoke(items, lost: true))
        rd_kafka_assign(rk, nil)
    }
}

private let deliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
    rk, msg, _ in
    guard let msg, let box = CallbackBox.from(rk), let handler = box.delivery else { return }
    let m = msg.pointee
    let report = DeliveryReport(
        opaque: UInt(bitPattern: m._private),
        error: m.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(m.err, "delivery"),
        topic: m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "",
        partition: m.partition, offset: m.offset)
    handler(report)
}

/// Shared creation logic for consumers and producers.
public class KafkaClient: @unchecked Sendable {
    public let handle: SendablePointer
    let box: CallbackBox
    public let kind: String
    public let name: String

    init(type: rd_kafka_type_t, properties: KafkaProperties, box: CallbackBox, configure: (OpaquePointer) -> Void) throws {
        let conf = try properties.makeConf()
        if box.log != nil { rd_kafka_conf_set_log_cb(conf, logCallback) }
        rd_kafka_conf_set_error_cb(conf, errorCallback)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(box).toOpaque())
        configure(conf)
        var err = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, conf, &err, err.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(code: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue,
                             message: err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        self.handle = SendablePointer(rk)
        self.box = box
        self.kind = type == RD_KAFKA_CONSUMER ? "consumer" : "producer"
        self.name = String(cString: rd_kafka_name(rk))
    }

    var rk: OpaquePointer { handle.raw }

    deinit { rd_kafka_destroy(rk) }
}

/// A high-level (group) consumer. Not thread-safe by design: one thread owns it and polls; the rebalance handler
/// runs inside `poll` on that thread, so all partition work happens synchronously there.
public final class KafkaConsumer: KafkaClient, @unchecked Sendable {
    private var closed = false

    public init(properties: KafkaProperties, log: (@Sendable (KafkaLogLine) -> Void)? = nil,
                onError: (@Sendable (KafkaError) -> Void)? = nil,
                rebalance: ((RebalanceEvent) -> [TopicPartitionOffset])? = nil) throws {
        let box = CallbackBox(log: log, error: onError)
        box.rebalance = rebalance
        box.cooperativeConfigured = properties["partition.assignment.strategy"]?.contains("cooperative") ?? false
        try super.init(type: RD_KAFKA_CONSUMER, properties: properties, box: box) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        }
        rd_kafka_poll_set_consumer(rk)
    }

    /// Replaces the rebalance handler (set it before `subscribe`).
    public func setRebalanceHandler(_ handler: ((RebalanceEvent) -> [TopicPartitionOffset])?) { box.rebalance = handler }

    public func subscribe(_ topics: [String]) throws {
        let list = PartitionList.make(topics.map { TopicPartitionOffset(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let r = rd_kafka_subscribe(rk, list)
        if r != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(r, "subscribe") }
    }

    /// Static assignment without joining the group (readers, tools, tests).
    public func assign(_ partitions: [TopicPartitionOffset]) throws {
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let r = rd_kafka_assign(rk, list)
        if r != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(r, "assign") }
    }

    /// Partition count of a topic, from the cluster metadata.
    public func partitionCount(topic: String, timeoutMillis: Int32) throws -> Int {
        let rkt = rd_kafka_topic_new(rk, topic, nil)
        defer { if let rkt { rd_kafka_topic_destroy(rkt) } }
        var md: UnsafePointer<rd_kafka_metadata>?
        let r = rd_kafka_metadata(rk, 0, rkt, &md, timeoutMillis)
        if r != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(r, "metadata for \(topic)") }
        defer { rd_kafka_metadata_destroy(md) }
        guard let m = md?.pointee, m.topic_cnt > 0 else { return 0 }
        let t = m.topics[0]
        if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(t.err, "metadata for \(topic)") }
        return Int(t.partition_cnt)
    }

    /// Up to `max` messages: waits up to `timeoutMillis` for the first, then takes what is already queued.
    /// Consumer errors (not messages) go to `onError`; partition EOF is skipped.
    public func poll(max: Int, timeoutMillis: Int32, onError: (KafkaError) -> Void = { _ in }) -> [KafkaMessage] {
        var out: [KafkaMessage] = []
        var wait = timeoutMillis
        while out.count < max {
            guard let m = rd_kafka_consumer_poll(rk, wait) else { break }
            wait = 0
            defer { rd_kafka_message_destroy(m) }
            let msg = m.pointee
            if msg.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if msg.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    var detail = ""
                    if msg.len > 0, let p = msg.payload {
                        detail = String(decoding: UnsafeRawBufferPointer(start: p, count: msg.len), as: UTF8.self)
                    }
                    onError(KafkaError(msg.err, detail))
                }
                continue
            }
            out.append(Self.copy(m))
        }
        return out
    }

    static func copy(_ m: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
        let msg = m.pointee
        let topic = msg.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        var key: [UInt8]?
        if let k = msg.key { key = Array(UnsafeRawBufferPointer(start: k, count: msg.key_len)) }
        var value: [UInt8] = []
        if let p = msg.payload, msg.len > 0 { value = Array(UnsafeRawBufferPointer(start: p, count: msg.len)) }
        var tsType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(m, &tsType)
        var headers: [(String, [UInt8])] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var i = 0
            var name: UnsafePointer<CChar>?
            var val: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let bytes = val.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append((name.map { String(cString: $0) } ?? "", bytes))
                i += 1
            }
        }
        return KafkaMessage(topic: topic, partition: msg.partition, offset: msg.offset, key: key, value: value,
                            timestampMillis: ts, headers: headers)
    }

    /// Synchronous (or asynchronous) commit of explicit offsets, with their metadata.
    public func commit(_ offsets: [TopicPartitionOffset], async: Bool = false) throws {
        guard !offsets.isEmpty else { return }
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let r = rd_kafka_commit(rk, list, async ? 1 : 0)
        if r != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(r, "commit") }
        if !async, let e = PartitionList.firstError(list) { throw e }
    }

    /// The group's committed offsets (and metadata) for these partitions; offset is `KafkaOffset.invalid` if none.
    public func committed(_ partitions: [TopicPartitionOffset], timeoutMillis: Int32) throws -> [TopicPartitionOffset] {
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let r = rd_kafka_committed(rk, list, timeoutMillis)
        if r != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(r, "committed") }
        if let e = PartitionList.firstError(list) { throw e }
        return PartitionList.read(list)
    }

    public func pause(_ partitions: [TopicPartitionOffset]) {
        guard !partitions.isEmpty else { return }
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_pause_partitions(rk, list)
    }

    public func resume(_ partitions: [TopicPartitionOffset]) {
        guard !partitions.isEmpty else { return }
        let list = PartitionList.make(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        _ = rd_kafka_resume_partitions(rk, list)
    }

    /// Cached low/high watermarks (from fetch responses; no broker round trip).
    public func cachedWatermarks(topic: String, partition: Int32) -> (low: Int64, high: Int64)? {
        var lo: Int64 = -1
        var hi: Int64 = -1
        guard rd_kafka_get_watermark_offsets(rk, topic, partition, &lo, &hi) == RD_KAFKA_RESP_ERR_NO_ERROR, hi >= 0 else {
            return nil
        }
        return (lo, hi)
    }

    /// Watermarks asked from the broker.
    public func queryWatermarks(topic: String, partition: Int32, timeoutMillis: Int32) throws -> (low: Int64, high: Int64) {
        var lo: Int64 = -1
        var hi: Int64 = -1
        let r = rd_kafka_query_watermark_offsets(rk, topic, partition, &lo, &hi, timeoutMillis)
        if r != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(r, "query watermarks") }
        return (lo, hi)
    }

    public var memberID: String {
        guard let p = rd_kafka_memberid(rk) else { return "" }
        defer { rd_kafka_mem_free(rk, p) }
        return String(cString: p)
    }

    public var rebalanceProtocol: String {
        let p: UnsafePointer<CChar>? = rd_kafka_rebalance_protocol(rk)
        return p.map { String(cString: $0) } ?? "NONE"
    }

    /// Wakes a blocked `poll` (from any thread).
    public func wakeUp() {
        if let q = rd_kafka_queue_get_consumer(rk) {
            rd_kafka_queue_yield(q)
            rd_kafka_queue_destroy(q)
        }
    }

    /// Leaves the group (revocation runs through the rebalance handler first). Call on the polling thread.
    public func close() {
        guard !closed else { return }
        closed = true
        // librdkafka before 2.4 can abort in rd_kafka_cgrp_terminated ("assignment in progress", #4528) when the
        // consumer closes in the middle of a rebalance: leave the subscription first and serve the revocation
        // (through the rebalance handler) until the assignment is empty, then close.
        _ = rd_kafka_unsubscribe(rk)
        let deadline = ContinuousClock.now + .seconds(10)
        var emptyPolls = 0
        while ContinuousClock.now < deadline, emptyPolls < 3 {
            if let m = rd_kafka_consumer_poll(rk, 20) { rd_kafka_message_destroy(m) }
            var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
            if rd_kafka_assignment(rk, &list) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let n = list?.pointee.cnt ?? 0
                if let list { rd_kafka_topic_partition_list_destroy(list) }
                emptyPolls = n == 0 ? emptyPolls + 1 : 0
            }
        }
        _ = rd_kafka_consumer_close(rk)
    }

    /// Group metadata for `sendOffsetsToTransaction`.
    func groupMetadata() -> OpaquePointer? { rd_kafka_consumer_group_metadata(rk) }

    deinit {
        close()
        box.rebalance = nil
    }
}

/// A producer (idempotent or transactional). `poll`/`flush` serve delivery reports on the calling thread.
public final class KafkaProducer: KafkaClient, @unchecked Sendable {
    public init(properties: KafkaProperties, log: (@Sendable (KafkaLogLine) -> Void)? = nil,
                onError: (@Sendable (KafkaError) -> Void)? = nil,
                onDelivery: ((DeliveryReport) -> Void)? = nil) throws {
        let box = CallbackBox(log: log, error: onError)
        box.delivery = onDelivery
        try super.init(type: RD_KAFKA_PRODUCER, properties: properties, box: box) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryCallback)
        }
    }

    public func setDeliveryHandler(_ handler: ((DeliveryReport) -> Void)?) { box.delivery = handler }

    /// Enqueues one message (copied). Throws `KafkaError` with code `KafkaError.queueFull` when the local queue is full.
    public func produce(topic: String, partition: Int32 = RD_KAFKA_PARTITION_UA, key: [UInt8]?, value: [UInt8],
                        headers: [(String, [UInt8])] = [], opaque: UInt = 0, timestampMillis: Int64 = 0) throws {
        var cstrings: [UnsafeMutablePointer<CChar>] = [strdup(topic)]
        defer { cstrings.forEach { free($0) } }
        for (n, _) in headers { cstrings.append(strdup(n)) }
        let err: OpaquePointer? = value.withUnsafeBytes { v in
            (key ?? []).withUnsafeBytes { k in
                var vus: [rd_kafka_vu_t] = []
                vus.reserveCapacity(6 + headers.count)
                var u = rd_kafka_vu_t()
                u.vtype = RD_KAFKA_VTYPE_TOPIC; u.u.cstr = UnsafePointer(cstrings[0]); vus.append(u)
                u = rd_kafka_vu_t(); u.vtype = RD_KAFKA_VTYPE_PARTITION; u.u.i32 = partition; vus.append(u)
                u = rd_kafka_vu_t(); u.vtype = RD_KAFKA_VTYPE_MSGFLAGS; u.u.i = RD_KAFKA_MSG_F_COPY; vus.append(u)
                u = rd_kafka_vu_t(); u.vtype = RD_KAFKA_VTYPE_VALUE
                u.u.mem.ptr = UnsafeMutableRawPointer(mutating: v.baseAddress); u.u.mem.size = v.count; vus.append(u)
                if key != nil {
                    u = rd_kafka_vu_t(); u.vtype = RD_KAFKA_VTYPE_KEY
                    u.u.mem.ptr = UnsafeMutableRawPointer(mutating: k.baseAddress); u.u.mem.size = k.count; vus.append(u)
                }
                u = rd_kafka_vu_t(); u.vtype = RD_KAFKA_VTYPE_OPAQUE; u.u.ptr = UnsafeMutableRawPointer(bitPattern: opaque)
                vus.append(u)
                if timestampMillis > 0 {
                    u = rd_kafka_vu_t(); u.vtype = RD_KAFKA_VTYPE_TIMESTAMP; u.u.i64 = timestampMillis; vus.append(u)
                }
                // Header values must stay valid for the call only (librdkafka copies them).
                return Self.withHeaderPointers(headers) { hv in
                    for (i, h) in hv.enumerated() {
                        var hu = rd_kafka_vu_t()
                        hu.vtype = RD_KAFKA_VTYPE_HEADER
                        hu.u.header.name = UnsafePointer(cstrings[1 + i])
                        hu.u.header.val = h.baseAddress
                        hu.u.header.size = h.count
                        vus.append(hu)
                    }
                    return rd_kafka_produceva(rk, vus, vus.count)
                }
            }
        }
        if let err { throw KafkaError(consuming: err, "produce to \(topic)") }
    }

    private static func withHeaderPointers<R>(_ headers: [(String, [UInt8])],
                                              _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
        // Copy into one buffer so that every pointer lives for the whole call.
        let total = headers.reduce(0) { $0 + $1.1.count }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        defer { buf.deallocate() }
        var views: [UnsafeRawBufferPointer] = []
        var at = 0
        for (_, v) in headers {
            let slice = UnsafeMutableRawBufferPointer(rebasing: buf[at..<(at + v.count)])
            v.withUnsafeBytes { slice.copyMemory(from: $0) }
            views.append(UnsafeRawBufferPointer(slice))
            at += v.count
        }
        return body(views)
    }

    /// Serves delivery reports (and other callbacks) for up to `timeoutMillis`. Returns how many events were served.
    @discardableResult
    public func poll(timeoutMillis: Int32 = 0) -> Int { Int(rd_kafka_poll(rk, timeoutMillis)) }

    /// Waits until every queued message is delivered or failed (serving delivery reports), or the timeout.
    public func flush(timeoutMillis: Int32) throws {
        let r = rd_kafka_flush(rk, timeoutMillis)
        if r != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(r, "flush") }
    }

    /// Messages queued or in flight.
    public var outstanding: Int { Int(rd_kafka_outq_len(rk)) }

    // MARK: transactions

    public func initTransactions(timeoutMillis: Int32) throws {
        if let e = rd_kafka_init_transactions(rk, timeoutMillis) { throw KafkaError(consuming: e, "init transactions") }
    }

    public func beginTransaction() throws {
        if let e = rd_kafka_begin_transaction(rk) { throw KafkaError(consuming: e, "begin transaction") }
    }

    /// Adds the consumer's input offsets (with metadata) to the current transaction.
    public func sendOffsetsToTransaction(_ offsets: [TopicPartitionOffset], consumer: KafkaConsumer,
                                         timeoutMillis: Int32) throws {
        guard !offsets.isEmpty else { return }
        let list = PartitionList.make(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard let md = consumer.groupMetadata() else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__STATE.rawValue, message: "no consumer group metadata")
        }
        defer { rd_kafka_consumer_group_metadata_destroy(md) }
        if let e = rd_kafka_send_offsets_to_transaction(rk, list, md, timeoutMillis) {
            throw KafkaError(consuming: e, "send offsets to transaction")
        }
    }

    public func commitTransaction(timeoutMillis: Int32) throws {
        if let e = rd_kafka_commit_transaction(rk, timeoutMillis) { throw KafkaError(consuming: e, "commit transaction") }
    }

    public func abortTransaction(timeoutMillis: Int32) throws {
        if let e = rd_kafka_abort_transaction(rk, timeoutMillis) { throw KafkaError(consuming: e, "abort transaction") }
    }

    public var fatalError: KafkaError? {
        var buf = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(rk, &buf, buf.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        var e = KafkaError(code: code.rawValue, message: buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        e.isFatal = true
        return e
    }

    deinit { box.delivery = nil }
}
