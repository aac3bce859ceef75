import Foundation
import Logging
import ParapetCore
import ParapetKafka
import ParapetSession

/// How outputs and input offsets are tied together.
public enum DeliveryMode: String, Sendable, CaseIterable {
    /// Idempotent producer; an input offset is committed only once every output of the records before it
    /// was acknowledged by the broker. Duplicates after a crash are byte-identical (same alert_id).
    case atLeastOnce = "at_least_once"
    /// Transactional producer: outputs and input offsets commit atomically (readers use read_committed).
    case exactlyOnce = "exactly_once"
}

/// Everything `parapet run` needs to run the processor.
public struct KafkaProcessorSettings: Sendable {
    public var bootstrapServers: String
    public var groupID: String
    /// Static membership (KIP-345): a stable id per instance, so that a restart within the session timeout
    /// does not rebalance.
    public var groupInstanceID: String?
    public var inputTopic: String
    public var alertsTopic: String
    public var verdictsTopic: String?
    public var deadLetterTopic: String?
    public var delivery: DeliveryMode = .atLeastOnce
    public var transactionalID: String?
    public var assignmentStrategy = "cooperative-sticky"
    public var commitIntervalMillis = 1000
    /// librdkafka properties for both clients, then consumer-only and producer-only ones (these win).
    public var properties = KafkaProperties()
    public var consumerProperties = KafkaProperties()
    public var producerProperties = KafkaProperties()
    /// Most messages taken from the consumer per loop iteration.
    public var pollBatch = 2000
    /// Outputs produced but not yet acknowledged above which fetching is paused.
    public var maxInFlight = 50_000
    /// Most records re-read per partition to rebuild windows on assignment.
    public var maxRestoreRecords: Int64 = 1_000_000
    public var engine = EngineConfiguration()

    public init(bootstrapServers: String, groupID: String = "parapet", inputTopic: String = "parapet.events",
                alertsTopic: String = "parapet.alerts") {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
        self.inputTopic = inputTopic
        self.alertsTopic = alertsTopic
    }

    /// The consumer's librdkafka properties: Parapet's required settings, then the user's.
    public var effectiveConsumerProperties: KafkaProperties {
        var p = KafkaProperties([
            "bootstrap.servers": bootstrapServers,
            "group.id": groupID,
            "partition.assignment.strategy": assignmentStrategy,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": "earliest",
            "isolation.level": "read_committed",
            "fetch.wait.max.ms": "10",
            "queued.max.messages.kbytes": "32768",
            "session.timeout.ms": "30000",
            "client.id": "parapet",
        ])
        if let groupInstanceID { p["group.instance.id"] = groupInstanceID }
        p = p.merging(properties).merging(consumerProperties)
        // Offsets are committed explicitly, with metadata; Parapet's correctness depends on it.
        p["enable.auto.commit"] = "false"
        return p
    }

    public var effectiveProducerProperties: KafkaProperties {
        var p = KafkaProperties([
            "bootstrap.servers": bootstrapServers,
            "enable.idempotence": "true",
            "acks": "all",
            "linger.ms": "5",
            "partitioner": "murmur2_random",
            "client.id": "parapet",
        ])
        p = p.merging(properties).merging(producerProperties)
        if delivery == .exactlyOnce {
            p["transactional.id"] = transactionalID ?? "parapet-\(groupID)-\(groupInstanceID ?? "0")"
        }
        // Group-only settings must not reach the producer (librdkafka warns about them).
        for k in ["group.id", "group.instance.id", "partition.assignment.strategy", "auto.offset.reset",
                  "enable.auto.commit", "enable.auto.offset.store", "isolation.level", "session.timeout.ms",
                  "fetch.wait.max.ms", "queued.max.messages.kbytes", "max.poll.interval.ms", "heartbeat.interval.ms",
                  "fetch.min.bytes", "fetch.max.bytes", "queued.min.messages", "enable.partition.eof"] {
            if consumerOnlyWins(k) { p[k] = nil }
        }
        return p
    }

    private func consumerOnlyWins(_ key: String) -> Bool { producerProperties[key] == nil }
}

/// What the processor keeps in the commit metadata of each partition: where to start re-reading the log to
/// rebuild every conversation window that was live at the commit.
public struct KafkaCommitMetadata: Sendable, Hashable, Codable {
    public var version = 1
    /// Oldest input offset any live window still needs.
    public var restoreFrom: Int64
    /// Highest event time seen on the partition (microseconds).
    public var streamTime: Int64?

    public init(restoreFrom: Int64, streamTime: Int64? = nil) {
        self.restoreFrom = restoreFrom
        self.streamTime = streamTime
    }

    enum CodingKeys: String, CodingKey { case version = "v", restoreFrom = "r", streamTime = "t" }

    public var bytes: [UInt8] {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        return Array((try? enc.encode(self)) ?? Data())
    }

    public init?(bytes: [UInt8]?) {
        guard let bytes, !bytes.isEmpty, let m = try? JSONDecoder().decode(Self.self, from: Data(bytes)) else { return nil }
        self = m
    }
}

/// One owned partition: its engine (conversation windows), positions and outputs awaiting acknowledgement.
final class KafkaPartitionState {
    let partition: Int32
    let generation: Int
    var engine: DetectionEngine
    /// Records below this offset were processed before the last commit: they only rebuild state.
    let liveFrom: Int64
    /// Next offset expected (last processed + 1), or -1 before the first record.
    var nextOffset: Int64
    /// First offset of each live session window (for the restore point).
    var sessionStart: [String: Int64] = [:]
    /// Offsets with outputs not yet acknowledged, ascending, and their outstanding counts.
    private var pendingQueue: [Int64] = []
    private var pendingHead = 0
    private var pendingCount: [Int64: Int] = [:]
    var lastCommitted: Int64
    var restored: Int = 0
    var restoreStarted = ContinuousClock.now
    var restoreLogged = false
    var evictionsSeen = (capacity: 0, idle: 0)

    init(partition: Int32, generation: Int, engine: DetectionEngine, liveFrom: Int64, nextOffset: Int64) {
        self.partition = partition
        self.generation = generation
        self.engine = engine
        self.liveFrom = liveFrom
        self.nextOffset = nextOffset
        self.lastCommitted = liveFrom
    }

    var inFlight: Int { pendingCount.values.reduce(0, +) }

    func addPending(_ offset: Int64) {
        if let n = pendingCount[offset] {
            pendingCount[offset] = n + 1
        } else {
            pendingCount[offset] = 1
            pendingQueue.append(offset)
        }
    }

    func acknowledge(_ offset: Int64) {
        guard let n = pendingCount[offset] else { return }
        if n <= 1 { pendingCount[offset] = nil } else { pendingCount[offset] = n - 1 }
    }

    /// The offset that can be committed: the oldest record with unacknowledged outputs, or the next record.
    var committable: Int64 {
        while pendingHead < pendingQueue.count, pendingCount[pendingQueue[pendingHead]] == nil { pendingHead += 1 }
        if pendingHead > 4096, pendingHead * 2 > pendingQueue.count {
            pendingQueue.removeFirst(pendingHead)
            pendingHead = 0
        }
        return pendingHead < pendingQueue.count ? pendingQueue[pendingHead] : nextOffset
    }

    /// The restore point for a commit at `offset`: oldest start of a live window, bounded by `maxRecords`.
    func restorePoint(committing offset: Int64, maxRecords: Int64) -> Int64 {
        var oldest = offset
        var dead: [String] = []
        for (sid, start) in sessionStart {
            if engine.sessions.value(for: sid) == nil { dead.append(sid); continue }
            if start < oldest { oldest = start }
        }
        for sid in dead { sessionStart[sid] = nil }
        return max(oldest, offset - maxRecords)
    }
}

/// The Kafka stream processor: consumes the events topic as a group member, runs one `DetectionEngine` per
/// assigned partition, produces alerts (and verdicts, dead letters) and commits input offsets only once the
/// outputs are acknowledged. A dedicated thread owns both clients; the rebalance handler runs inside its poll.
public final class KafkaProcessor: @unchecked Sendable {
    public let settings: KafkaProcessorSettings
    public let metrics: KafkaMetrics
    let logger: Logger
    private let makeEngine: @Sendable () throws -> DetectionEngine

    // Cross-thread state.
    private let lock = NSLock()
    private var stopRequested = false
    private var ready = false
    private var consumerForWake: KafkaConsumer?
    private var asyncErrors: [KafkaError] = []

    // Thread-confined state (the processor thread only).
    private var consumer: KafkaConsumer!
    private var producer: KafkaProducer!
    private var partitions: [Int32: KafkaPartitionState] = [:]
    private var generation = 0
    private var tokens: [UInt: (partition: Int32, generation: Int, offset: Int64)] = [:]
    private var nextToken: UInt = 1
    private var deliveryFailure: KafkaError?
    private var paused = false
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    private let parser = EventParser()
    private var lastCommit = ContinuousClock.now
    private var lastGauges = ContinuousClock.now
    private var latencies: [Double] = []
    private var transactionOpen = false
    private var liveEventsInBatch = 0
    private var rejectsLogged = 0
    private var keyMismatches = 0
    private var restoredInBatch = 0

    public init(settings: KafkaProcessorSettings, metrics: KafkaMetrics = KafkaMetrics(), logger: Logger,
                makeEngine: @escaping @Sendable () throws -> DetectionEngine) {
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.makeEngine = makeEngine
    }

    /// Partitions currently owned (any thread).
    public var assignedPartitionCount: Int { lock.withLock { ownedCount } }
    private var ownedCount = 0

    /// True once the processor has joined the group and is polling.
    public var isReady: Bool { lock.withLock { ready && !stopRequested } }

    /// Asks the processor to stop: it finishes its batch, flushes, commits and leaves the group. Any thread.
    public func stop() {
        let c: KafkaConsumer? = lock.withLock {
            stopRequested = true
            return consumerForWake
        }
        c?.wakeUp()
    }

    private var shouldStop: Bool { lock.withLock { stopRequested } }

    /// Runs until `stop()` (or a fatal error), on a dedicated thread; the caller's task just waits.
    public func run() async throws {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<Void, any Error>) in
            let thread = Thread { [self] in
                Thread.current.name = "parapet-kafka"
                do {
                    try self.runLoop()
                    cont.resume()
                } catch {
                    cont.resume(throwing: error)
                }
            }
            thread.name = "parapet-kafka"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    // MARK: - the loop

    func runLoop() throws {
        let log = logger
        let logSink: @Sendable (KafkaLogLine) -> Void = { line in
            let level: Logger.Level = line.level <= 3 ? .error : line.level == 4 ? .warning : line.level <= 6 ? .info : .debug
            log.log(level: level, "\(line.message)", metadata: ["kafka.facility": .string(line.facility)])
        }
        let errorSink: @Sendable (KafkaError) -> Void = { [weak self] e in
            log.warning("kafka client error", metadata: ["error": .string(e.description)])
            if e.isFatal { self?.lock.withLock { self?.asyncErrors.append(e) } }
        }
        producer = try KafkaProducer(properties: settings.effectiveProducerProperties, log: logSink, onError: errorSink)
        producer.setDeliveryHandler { [unowned self] report in self.delivered(report) }
        consumer = try KafkaConsumer(properties: settings.effectiveConsumerProperties, log: logSink, onError: errorSink)
        consumer.setRebalanceHandler { [unowned self] event in self.rebalance(event) }
        lock.withLock { consumerForWake = consumer }
        defer {
            lock.withLock { consumerForWake = nil; ready = false }
            consumer.setRebalanceHandler(nil)
            producer.setDeliveryHandler(nil)
            consumer = nil
            producer = nil
        }
        if settings.delivery == .exactlyOnce {
            try producer.initTransactions(timeoutMillis: 30_000)
            try producer.beginTransaction()
            transactionOpen = true
        }
        try consumer.subscribe([settings.inputTopic])
        lock.withLock { ready = true }
        logger.info("processor started", metadata: [
            "input": .string(settings.inputTopic), "alerts": .string(settings.alertsTopic),
            "group": .string(settings.groupID), "delivery": .string(settings.delivery.rawValue),
            "librdkafka": .string(KafkaLibrary.version),
        ])
        var failure: (any Error)?
        while !shouldStop {
            let batch = consumer.poll(max: settings.pollBatch, timeoutMillis: 100) { e in
                log.warning("consumer error", metadata: ["error": .string(e.description)])
            }
            do {
                for m in batch { try process(m) }
            } catch {
                failure = error
                break
            }
            producer.poll(timeoutMillis: 0)
            if liveEventsInBatch > 0 { metrics.increment("parapet_events_total", by: Double(liveEventsInBatch)) }
            if restoredInBatch > 0 { metrics.increment("parapet_restore_events_total", by: Double(restoredInBatch)) }
            liveEventsInBatch = 0
            restoredInBatch = 0
            if !latencies.isEmpty {
                metrics.observeLatencies(latencies)
                latencies.removeAll(keepingCapacity: true)
            }
            if let e = lock.withLock({ asyncErrors.first }) { failure = e; break }
            if let e = deliveryFailure { failure = e; break }
            applyBackpressure()
            let now = ContinuousClock.now
            if now - lastCommit >= .milliseconds(settings.commitIntervalMillis) {
                do { try commitAll(flush: false) } catch {
                    if settings.delivery == .exactlyOnce { failure = error; break }
                }
                lastCommit = now
            }
            if now - lastGauges >= .seconds(1) {
                updateGauges()
                lastGauges = now
            }
        }
        // Graceful shutdown: outputs flushed, offsets committed, group left.
        logger.info("processor stopping", metadata: ["reason": .string(failure.map { "\($0)" } ?? "stop requested")])
        if failure == nil || deliveryFailure != nil {
            try? commitAll(flush: true)
        } else if settings.delivery == .exactlyOnce, transactionOpen {
            try? producer.abortTransaction(timeoutMillis: 10_000)
            transactionOpen = false
        }
        if failure != nil {
            // Do not let the revocation in close() commit anything beyond what is safe.
            partitions.removeAll()
        }
        consumer.close()
        try? producer.flush(timeoutMillis: 10_000)
        updateGauges()
        logger.info("processor stopped")
        if let failure { throw failure }
    }

    // MARK: - records

    private func process(_ m: KafkaMessage) throws {
        guard let st = partitions[m.partition], m.topic == settings.inputTopic else { return }  // not (or no longer) ours
        if st.nextOffset >= 0, m.offset < st.nextOffset { return }  // already seen (refetch)
        st.nextOffset = m.offset + 1
        let live = m.offset >= st.liveFrom
        if !live {
            st.restored += 1
            restoredInBatch += 1
        } else if st.restored > 0, !st.restoreLogged {
            st.restoreLogged = true
            logger.info("partition restored", metadata: [
                "partition": .stringConvertible(st.partition), "records": .stringConvertible(st.restored),
                "seconds": .stringConvertible((ContinuousClock.now - st.restoreStarted).seconds),
                "sessions": .stringConvertible(st.engine.sessions.count),
            ])
        }
        switch parser.parse(m.value) {
        case .reject(let key, let reason):
            guard live else { return }
            metrics.increment("parapet_rejects_total")
            rejectsLogged += 1
            if rejectsLogged <= 20 || rejectsLogged % 10_000 == 0 {
                logger.warning("rejected record", metadata: [
                    "partition": .stringConvertible(m.partition), "offset": .stringConvertible(m.offset),
                    "key": .string(key ?? "-"), "reason": .string(reason), "rejects": .stringConvertible(rejectsLogged),
                ])
            }
            if let dlq = settings.deadLetterTopic {
                let r = Reject(input: "kafka:\(m.topic)", key: key, reason: reason,
                               raw: String(decoding: m.value, as: UTF8.self),
                               topic: m.topic, partition: m.partition, offset: m.offset)
                let headers: [(String, [UInt8])] = [
                    ("parapet.reason", Array(reason.utf8)), ("parapet.topic", Array(m.topic.utf8)),
                    ("parapet.partition", Array(String(m.partition).utf8)), ("parapet.offset", Array(String(m.offset).utf8)),
                ]
                try send(topic: dlq, key: m.key, value: Array(try encoder.encode(r)), headers: headers, for: st, offset: m.offset)
            }
        case .event(let event):
            let out = st.engine.process(event)
            if let s = st.engine.sessions.value(for: event.sessionID), s.state.turnCount == 1 {
                st.sessionStart[event.sessionID] = m.offset
            }
            guard live else { return }
            liveEventsInBatch += 1
            let key = Array(event.sessionID.utf8)
            if m.key != key {
                // Not keyed by session_id: the conversation may be split across partitions (see docs/kafka.md).
                metrics.increment("parapet_key_mismatch_total")
                keyMismatches += 1
                if keyMismatches <= 10 || keyMismatches % 10_000 == 0 {
                    logger.warning("event not keyed by its session_id", metadata: [
                        "partition": .stringConvertible(m.partition), "offset": .stringConvertible(m.offset),
                        "session_id": .string(event.sessionID), "count": .stringConvertible(keyMismatches),
                    ])
                }
            }
            // Each alert is keyed by its own session: the final versions of evicted sessions' incidents come out of
            // this event's call too (tied to its offset, so committed only once they are acknowledged).
            for a in out.alerts {
                metrics.increment("parapet_alerts_total", [("type", a.type.rawValue)])
                try send(topic: settings.alertsTopic, key: Array(a.sessionID.utf8), value: Array(try encoder.encode(a)),
                         headers: [("alert_id", Array(a.alertID.utf8)), ("alert_version", Array(String(a.version).utf8))],
                         for: st, offset: m.offset)
            }
            if out.flushedAlerts > 0 { metrics.increment("parapet_eviction_flushed_alerts_total", by: Double(out.flushedAlerts)) }
            if let vt = settings.verdictsTopic {
                metrics.increment("parapet_verdicts_total")
                try send(topic: vt, key: key, value: Array(try encoder.encode(out.verdict)), headers: [], for: st, offset: m.offset)
            }
            if m.timestampMillis > 0 {
                latencies.append(max(0, Date().timeIntervalSince1970 - Double(m.timestampMillis) / 1000))
            }
        }
    }

    /// Produces one output tied to an input offset; waits (serving deliveries) while the local queue is full.
    private func send(topic: String, key: [UInt8]?, value: [UInt8], headers: [(String, [UInt8])],
                      for st: KafkaPartitionState, offset: Int64) throws {
        let token = nextToken
        nextToken &+= 1
        var attempts = 0
        while true {
            do {
                try producer.produce(topic: topic, key: key, value: value, headers: headers, opaque: token)
                break
            } catch let e as KafkaError where e.code == KafkaError.queueFull {
                attempts += 1
                if attempts % 100 == 0 {
                    logger.warning("producer queue full", metadata: ["outstanding": .stringConvertible(producer.outstanding)])
                }
                producer.poll(timeoutMillis: 10)
                if attempts > 100_000 { throw e }  // ~17 minutes: the broker is gone
            }
        }
        tokens[token] = (st.partition, st.generation, offset)
        st.addPending(offset)
    }

    private func delivered(_ r: DeliveryReport) {
        guard let t = tokens.removeValue(forKey: r.opaque) else { return }
        if let e = r.error {
            metrics.increment("parapet_delivery_errors_total")
            logger.error("delivery failed", metadata: ["topic": .string(r.topic), "error": .string(e.description)])
            if deliveryFailure == nil { deliveryFailure = e }
            return  // the offset stays pending: never committed past
        }
        if let st = partitions[t.partition], st.generation == t.generation { st.acknowledge(t.offset) }
    }

    // MARK: - commits

    private func commitOffsets(for states: [KafkaPartitionState]) -> [TopicPartitionOffset] {
        var out: [TopicPartitionOffset] = []
        for st in states {
            let offset = settings.delivery == .exactlyOnce ? st.nextOffset : st.committable
            guard offset >= 0, offset > st.lastCommitted || st.lastCommitted < 0 else { continue }
            let meta = KafkaCommitMetadata(restoreFrom: st.restorePoint(committing: offset, maxRecords: settings.maxRestoreRecords),
                                           streamTime: st.engine.sessions.streamTime == .min ? nil : st.engine.sessions.streamTime)
            out.append(TopicPartitionOffset(topic: settings.inputTopic, partition: st.partition, offset: offset, metadata: meta.bytes))
        }
        return out
    }

    /// Commits every owned partition (or `only` these). `flush`: wait for all outputs first (revoke, shutdown).
    private func commitAll(flush: Bool, only: [Int32]? = nil) throws {
        if settings.delivery == .exactlyOnce {
            // The open transaction holds outputs of every partition: commit it with all their offsets.
            try commitTransaction(partitions.values.sorted { $0.partition < $1.partition })
            return
        }
        let states = (only.map { $0.compactMap { partitions[$0] } } ?? Array(partitions.values)).sorted { $0.partition < $1.partition }
        if flush {
            do { try producer.flush(timeoutMillis: 30_000) } catch {
                logger.warning("flush did not finish; committing what was acknowledged", metadata: ["error": .string("\(error)")])
            }
        } else {
            producer.poll(timeoutMillis: 0)
        }
        let offsets = commitOffsets(for: states)
        guard !offsets.isEmpty else { return }
        var attempt = 0
        while true {
            attempt += 1
            do {
                try consumer.commit(offsets)
                metrics.increment("parapet_commits_total", [("result", "ok")])
                for o in offsets { partitions[o.partition]?.lastCommitted = o.offset }
                logger.debug("committed", metadata: ["offsets": .string(offsets.map(\.description).joined(separator: ","))])
                return
            } catch {
                metrics.increment("parapet_commits_total", [("result", "error")])
                logger.warning("commit failed", metadata: ["error": .string("\(error)"), "attempt": .stringConvertible(attempt)])
                if !flush || attempt >= 5 { throw error }
                Thread.sleep(forTimeInterval: 0.2 * Double(attempt))
            }
        }
    }

    private func commitTransaction(_ states: [KafkaPartitionState]) throws {
        guard transactionOpen else { return }
        let offsets = commitOffsets(for: states)
        var attempt = 0
        while true {
            attempt += 1
            do {
                try producer.sendOffsetsToTransaction(offsets, consumer: consumer, timeoutMillis: 30_000)
                try producer.commitTransaction(timeoutMillis: 30_000)
                transactionOpen = false
                metrics.increment("parapet_commits_total", [("result", "ok")])
                for o in offsets { partitions[o.partition]?.lastCommitted = o.offset }
                // Outputs are committed with the transaction: nothing is pending any more.
                tokens.removeAll()
                try producer.beginTransaction()
                transactionOpen = true
                return
            } catch let e as KafkaError where e.isRetriable && !e.txnRequiresAbort && attempt < 5 {
                metrics.increment("parapet_commits_total", [("result", "retry")])
                logger.warning("transaction commit retry", metadata: ["error": .string(e.description)])
                Thread.sleep(forTimeInterval: 0.2 * Double(attempt))
            } catch {
                metrics.increment("parapet_commits_total", [("result", "error")])
                // Abortable or fatal: the in-memory windows are ahead of the committed position. Abort and exit;
                // the restart rebuilds every window from the log (the same path as a crash).
                if let e = error as? KafkaError, e.txnRequiresAbort {
                    try? producer.abortTransaction(timeoutMillis: 30_000)
                    transactionOpen = false
                }
                throw error
            }
        }
    }

    // MARK: - rebalances

    private func rebalance(_ event: RebalanceEvent) -> [TopicPartitionOffset] {
        defer {
            let n = partitions.count
            lock.withLock { ownedCount = n }
        }
        switch event {
        case .assign(let parts):
            metrics.increment("parapet_rebalances_total", [("kind", "assign")])
            return assign(parts.filter { $0.topic == settings.inputTopic })
        case .revoke(let parts, let lost):
            metrics.increment("parapet_rebalances_total", [("kind", lost ? "lost" : "revoke")])
            let ids = parts.filter { $0.topic == settings.inputTopic }.map(\.partition)
            if lost {
                logger.warning("assignment lost: dropping state without committing", metadata: ["partitions": .string("\(ids)")])
                if settings.delivery == .exactlyOnce, transactionOpen {
                    try? producer.abortTransaction(timeoutMillis: 30_000)
                    transactionOpen = false
                    lock.withLock { asyncErrors.append(KafkaError(code: KafkaError.fenced, message: "assignment lost in a transaction")) }
                }
            } else {
                do { try commitAll(flush: true, only: ids) } catch {
                    logger.error("commit on revoke failed; the next owner re-processes from the last commit",
                                 metadata: ["error": .string("\(error)")])
                    if settings.delivery == .exactlyOnce {
                        // The transaction was aborted: the remaining windows are ahead of the committed position.
                        let e = (error as? KafkaError) ?? KafkaError(code: -1, message: "\(error)")
                        lock.withLock { asyncErrors.append(e) }
                    }
                }
            }
            for p in ids {
                partitions[p] = nil
                metrics.removeGauge("parapet_consumer_lag", [("partition", String(p))])
                metrics.removeGauge("parapet_live_sessions", [("partition", String(p))])
            }
            if paused { paused = false }
            logger.info("partitions revoked", metadata: ["partitions": .string("\(ids)"), "lost": .stringConvertible(lost)])
            return []
        }
    }

    private func assign(_ parts: [TopicPartitionOffset]) -> [TopicPartitionOffset] {
        guard !parts.isEmpty else { return [] }
        var committed: [TopicPartitionOffset] = parts.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition) }
        var known = false
        for attempt in 1...5 {
            do {
                committed = try consumer.committed(parts, timeoutMillis: 10_000)
                known = true
                break
            } catch {
                logger.warning("cannot read committed offsets", metadata: ["error": .string("\(error)"), "attempt": .stringConvertible(attempt)])
                Thread.sleep(forTimeInterval: 0.2 * Double(attempt))
            }
        }
        var out: [TopicPartitionOffset] = []
        for c in committed {
            let engine: DetectionEngine
            do { engine = try makeEngine() } catch {
                logger.critical("cannot build the detection engine", metadata: ["error": .string("\(error)")])
                lock.withLock { asyncErrors.append(KafkaError(code: -1, message: "engine: \(error)")) }
                return parts
            }
            generation += 1
            var start = c.offset
            let liveFrom = known && c.offset >= 0 ? c.offset : -1
            if c.offset >= 0, let meta = KafkaCommitMetadata(bytes: c.metadata), meta.restoreFrom < c.offset {
                start = max(meta.restoreFrom, c.offset - settings.maxRestoreRecords, 0)
            }
            let st = KafkaPartitionState(partition: c.partition, generation: generation, engine: engine,
                                         liveFrom: liveFrom, nextOffset: start >= 0 ? start : -1)
            partitions[c.partition] = st
            out.append(TopicPartitionOffset(topic: c.topic, partition: c.partition, offset: start))
            logger.info("partition assigned", metadata: [
                "partition": .stringConvertible(c.partition), "committed": .stringConvertible(c.offset),
                "restore_from": .stringConvertible(start), "records_to_restore": .stringConvertible(liveFrom >= 0 && start >= 0 ? liveFrom - start : 0),
            ])
        }
        return out
    }

    // MARK: - backpressure and gauges

    private var totalInFlight: Int { tokens.count }

    private func applyBackpressure() {
        let inflight = totalInFlight
        let owned = partitions.keys.sorted().map { TopicPartitionOffset(topic: settings.inputTopic, partition: $0) }
        if !paused, inflight > settings.maxInFlight {
            consumer.pause(owned)
            paused = true
            metrics.increment("parapet_backpressure_pauses_total")
            logger.warning("too many outputs in flight: fetching paused", metadata: ["in_flight": .stringConvertible(inflight)])
        } else if paused, inflight <= settings.maxInFlight / 2 {
            consumer.resume(owned)
            paused = false
            logger.info("fetching resumed")
        }
    }

    private func updateGauges() {
        guard consumer != nil else { return }
        metrics.set("parapet_assigned_partitions", [], Double(partitions.count))
        metrics.set("parapet_inflight_outputs", [], Double(totalInFlight))
        for st in partitions.values {
            let p = [("partition", String(st.partition))]
            metrics.set("parapet_live_sessions", p, Double(st.engine.sessions.count))
            let cap = st.engine.sessions.evictedForCapacity, idle = st.engine.sessions.expiredIdle
            if cap > st.evictionsSeen.capacity {
                metrics.increment("parapet_session_evictions_total", [("reason", "capacity")], by: Double(cap - st.evictionsSeen.capacity))
            }
            if idle > st.evictionsSeen.idle {
                metrics.increment("parapet_session_evictions_total", [("reason", "idle")], by: Double(idle - st.evictionsSeen.idle))
            }
            st.evictionsSeen = (cap, idle)
            if let wm = consumer.cachedWatermarks(topic: settings.inputTopic, partition: st.partition), st.nextOffset >= 0 {
                metrics.set("parapet_consumer_lag", p, Double(max(0, wm.high - st.nextOffset)))
            }
        }
    }
}
