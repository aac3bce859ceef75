import Foundation
import ParapetCore
import ParapetKafka
import ParapetPipeline
import Testing

@Suite("Kafka processor over the Kafka protocol (librdkafka mock cluster)", .serialized)
struct KafkaProcessorTests {
    @Test("events to alerts end to end; malformed records go to the dead-letter topic", .timeLimit(.minutes(1)))
    func endToEndAndDeadLetter() async throws {
        let cluster = try TestCluster()
        let input = try cluster.topic("events", partitions: 3)
        let alerts = try cluster.topic("alerts", partitions: 2)
        let dlq = try cluster.topic("dlq", partitions: 1)
        let events = KafkaSamples.workload(sessions: 30, turns: 6, prefix: cluster.prefix)
        let expected = try Expect.alerts(events)
        #expect(expected.count >= 10)
        let bad = [("s-bad-1", "{\"event_id\": 1"), ("w-s0", "not json at all"), ("w-s1", "{\"event_id\":\"x\",\"session_id\":\"w-s1\",\"time\":\"yesterday\",\"role\":\"user\",\"content\":\"hi\"}")]
        // Malformed records in the middle of good ones, on the same keys.
        try cluster.produce(input, Array(events.prefix(90)), extra: bad.map { (key: $0.0, value: $0.1) })
        try cluster.produce(input, Array(events.dropFirst(90)))
        // A valid event under the wrong key: processed, and counted as a producer error.
        let stray = ChatEvent(eventID: "stray-1", sessionID: "\(cluster.prefix)-stray", time: EventTime(micros: 1_767_225_600_000_000),
                              role: .user, content: "Hello there")
        try cluster.produce(input, [], extra: [(key: "not-the-session", value: String(decoding: KafkaSamples.encode(stray), as: UTF8.self))])

        let run = RunningProcessor(cluster.settings(input: input, alerts: alerts, dlq: dlq))
        let server = try KafkaOpsServer(host: "127.0.0.1", port: 0, logger: testLogger("http"),
                                        handler: KafkaOpsServer.routes(metrics: run.processor.metrics) { run.processor.isReady })
        defer { server.shutdown() }
        #expect(httpGet(port: server.port, path: "/healthz")?.0 == 200)
        let done = await waitUntil(30) {
            run.events >= Double(events.count + 1) && run.processor.metrics.counterTotal("parapet_rejects_total") >= 3
        }
        #expect(httpGet(port: server.port, path: "/readyz")?.0 == 200)
        try await Task.sleep(for: .milliseconds(1100))  // gauges refresh every second
        let metrics = httpGet(port: server.port, path: "/metrics")?.1 ?? ""
        try await run.stop()
        #expect(done, "processed \(run.events) of \(events.count + 1) events")
        #expect(run.processor.metrics.counterTotal("parapet_key_mismatch_total") == 1)
        #expect(httpGet(port: server.port, path: "/readyz")?.0 == 503)
        #expect(httpGet(port: server.port, path: "/nope")?.0 == 404)
        for series in ["parapet_events_total \(events.count + 1)", "parapet_rejects_total 3", "parapet_alerts_total{type=\"ascii_smuggling\"}",
                       "parapet_consumer_lag{partition=\"0\"} 0", "parapet_live_sessions{partition=", "parapet_processing_latency_seconds_bucket{le=\"+Inf\"}"] {
            #expect(metrics.contains(series), "metrics expose \(series)")
        }

        let reader = try TopicReader(bootstrapServers: cluster.bootstrap, topics: [alerts, dlq], properties: KafkaProperties(["log_level": "3"]))
        reader.read(timeout: .seconds(10)) { msgs in
            Set(Expect.decode(msgs.filter { $0.topic == alerts })).isSuperset(of: expected) && msgs.filter { $0.topic == dlq }.count >= 3
        }
        let got = Expect.decode(reader.messages(in: alerts))
        #expect(Set(got) == expected)
        #expect(got.count == expected.count, "no duplicates in a clean run")
        for m in reader.messages(in: alerts) {
            let a = try JSONDecoder().decode(Alert.self, from: Data(m.value))
            #expect(m.key == Array(a.sessionID.utf8))
            #expect(m.header("alert_id") == Array(a.alertID.utf8))
        }
        let rejects = try reader.messages(in: dlq).map { try JSONDecoder().decode(Reject.self, from: Data($0.value)) }
        #expect(rejects.count == 3)
        for r in rejects {
            #expect(r.topic == input)
            #expect(r.partition != nil && r.offset != nil)
            #expect(!r.reason.isEmpty)
        }
        #expect(rejects.contains { $0.key == "time" })
    }

    @Test("two processors in one group, rebalance midway: no alert lost, no conversation split", .timeLimit(.minutes(3)),
          arguments: [("cooperative-sticky", false), ("range", false), ("cooperative-sticky", true)])
    func rebalanceMidway(strategy: String, staticMembers: Bool) async throws {
        let cluster = try TestCluster()
        let input = try cluster.topic("events", partitions: 4)
        let alerts = try cluster.topic("alerts", partitions: 1)
        let events = KafkaSamples.workload(sessions: 40, turns: 8, prefix: cluster.prefix)
        let expected = try Expect.alerts(events)
        let half = events.count / 2
        try cluster.produce(input, Array(events.prefix(half)))
        var settings = cluster.settings(input: input, alerts: alerts, dlq: nil)
        settings.assignmentStrategy = strategy
        if staticMembers { settings.groupInstanceID = "a" }
        let a = RunningProcessor(settings, label: "a")
        #expect(await waitUntil(20) { a.events >= Double(half) })
        if staticMembers { settings.groupInstanceID = "b" }
        let b = RunningProcessor(settings, label: "b")
        // Wait for the rebalance to hand partitions to b, then send the second half of every conversation. Under a
        // full parallel test run the two-phase cooperative rebalance once took over 30 s (both members owning nothing
        // at the deadline, session 13); alone it takes a few seconds.
        #expect(await waitUntil(60) { b.processor.assignedPartitionCount > 0 && a.processor.assignedPartitionCount < 4 },
                "the group rebalanced: a owns \(a.processor.assignedPartitionCount), b owns \(b.processor.assignedPartitionCount)")
        try cluster.produce(input, Array(events.dropFirst(half)))
        let reader = try TopicReader(bootstrapServers: cluster.bootstrap, topics: [alerts], properties: KafkaProperties(["log_level": "3"]))
        reader.read(timeout: .seconds(30)) { Set(Expect.decode($0)).isSuperset(of: expected) }
        try await a.stop()
        try await b.stop()
        reader.read(timeout: .milliseconds(500))
        let got = Expect.decode(reader.messages)
        // A conversation split between owners would restart its window: new incidents (ids) or wrong versions.
        #expect(Set(got) == expected, "missing: \(expected.subtracting(got).sorted().prefix(5)), extra: \(Set(got).subtracting(expected).sorted().prefix(5))")
        #expect(b.events > 0 && a.events > 0, "both members processed events (a \(a.events), b \(b.events))")
        #expect(a.events + b.events >= Double(events.count))
    }

    @Test("a broker down for a while, then up: nothing lost", .enabled(if: TestCluster.external == nil), .timeLimit(.minutes(1)))
    func brokerDownThenUp() async throws {
        let cluster = try TestCluster(brokers: 3)
        let mock = try #require(cluster.mock)
        let input = try cluster.topic("events", partitions: 3)
        let alerts = try cluster.topic("alerts", partitions: 3)
        // Input on broker 1, group coordinator on broker 3, alerts on broker 2 (the one that goes down).
        for p in Int32(0)..<3 {
            mock.setPartitionLeader(topic: input, partition: p, broker: 1)
            mock.setPartitionLeader(topic: alerts, partition: p, broker: 2)
        }
        mock.setCoordinator(group: "\(cluster.prefix)-group", broker: 3)
        let events = KafkaSamples.workload(sessions: 30, turns: 6, attackEvery: 1, prefix: cluster.prefix)
        let expected = try Expect.alerts(events)
        try cluster.produce(input, Array(events.prefix(60)))
        var settings = cluster.settings(input: input, alerts: alerts, dlq: nil)
        settings.maxInFlight = 10  // alerts pile up while the broker is down: fetching must pause, not grow
        let run = RunningProcessor(settings)
        #expect(await waitUntil(20) { run.events >= 60 })
        mock.setBrokerDown(2)
        let producing = Task.detached { try cluster.produce(input, Array(events.dropFirst(60))) }
        try await Task.sleep(for: .seconds(3))
        mock.setBrokerUp(2)
        try await producing.value
        let done = await waitUntil(40) { run.events >= Double(events.count) }
        try await run.stop()
        #expect(done, "processed \(run.events) of \(events.count)")
        #expect(run.processor.metrics.counterTotal("parapet_backpressure_pauses_total") >= 1)
        let reader = try TopicReader(bootstrapServers: cluster.bootstrap, topics: [alerts], properties: KafkaProperties(["log_level": "3"]))
        reader.read(timeout: .seconds(15)) { Set(Expect.decode($0)).isSuperset(of: expected) }
        #expect(Set(Expect.decode(reader.messages)) == expected)
    }

    @Test("request errors on produce and on offset commit: nothing lost, commits recover",
          .enabled(if: TestCluster.external == nil), .timeLimit(.minutes(1)))
    func injectedRequestErrors() async throws {
        let cluster = try TestCluster()
        let mock = try #require(cluster.mock)
        let input = try cluster.topic("events", partitions: 2)
        let alerts = try cluster.topic("alerts", partitions: 1)
        let events = KafkaSamples.workload(sessions: 20, turns: 6, prefix: cluster.prefix)
        let expected = try Expect.alerts(events)
        try cluster.produce(input, events)
        mock.pushRequestErrors(.produce, [KafkaResponseCode.notEnoughReplicas, KafkaResponseCode.requestTimedOut,
                                          KafkaResponseCode.notLeaderForPartition])
        mock.pushRequestErrors(.offsetCommit, [KafkaResponseCode.requestTimedOut, KafkaResponseCode.coordinatorNotAvailable,
                                               KafkaResponseCode.requestTimedOut])
        let run = RunningProcessor(cluster.settings(input: input, alerts: alerts, dlq: nil))
        let m = run.processor.metrics
        let done = await waitUntil(30) { run.events >= Double(events.count) && m.counter("parapet_commits_total", [("result", "ok")]) >= 1 }
        try await run.stop()
        #expect(done)
        #expect(m.counter("parapet_commits_total", [("result", "error")]) >= 1, "the injected commit errors were seen")
        let reader = try TopicReader(bootstrapServers: cluster.bootstrap, topics: [alerts], properties: KafkaProperties(["log_level": "3"]))
        reader.read(timeout: .seconds(10)) { Set(Expect.decode($0)).isSuperset(of: expected) }
        #expect(Set(Expect.decode(reader.messages)) == expected)
        // The final commit covers everything: a new member starts at the end.
        let check = try KafkaConsumer(properties: KafkaProperties(["bootstrap.servers": cluster.bootstrap, "group.id": "\(cluster.prefix)-group", "log_level": "3"]))
        let committed = try check.committed([TopicPartitionOffset(topic: input, partition: 0), TopicPartitionOffset(topic: input, partition: 1)], timeoutMillis: 10_000)
        var total: Int64 = 0
        for c in committed {
            let hw = try check.queryWatermarks(topic: input, partition: c.partition, timeoutMillis: 5000)
            #expect(c.offset == hw.high, "partition \(c.partition) committed \(c.offset) of \(hw.high)")
            #expect(KafkaCommitMetadata(bytes: c.metadata) != nil, "commit metadata carries the restore point")
            total += max(0, c.offset)
        }
        #expect(total == Int64(events.count))
    }

    @Test("exactly-once mode: the transactional flow works on the mock (alerts and committed transactions)",
          .timeLimit(.minutes(1)))
    func exactlyOnceFlow() async throws {
        let cluster = try TestCluster()
        let input = try cluster.topic("events", partitions: 2)
        let alerts = try cluster.topic("alerts", partitions: 1)
        let events = KafkaSamples.workload(sessions: 20, turns: 6, prefix: cluster.prefix)
        let expected = try Expect.alerts(events)
        try cluster.produce(input, events)
        var settings = cluster.settings(input: input, alerts: alerts, dlq: nil)
        settings.delivery = .exactlyOnce
        settings.transactionalID = "\(cluster.prefix)-txn"
        let run = RunningProcessor(settings)
        let m = run.processor.metrics
        let done = await waitUntil(30) { run.events >= Double(events.count) && m.counter("parapet_commits_total", [("result", "ok")]) >= 2 }
        try await run.stop()
        #expect(done)
        #expect(m.counter("parapet_commits_total", [("result", "error")]) == 0)
        let reader = try TopicReader(bootstrapServers: cluster.bootstrap, topics: [alerts],
                                     properties: KafkaProperties(["log_level": "3", "isolation.level": "read_committed"]))
        reader.read(timeout: .seconds(10)) { Set(Expect.decode($0)).isSuperset(of: expected) }
        let got = Expect.decode(reader.messages)
        #expect(Set(got) == expected)
        #expect(got.count == expected.count)
    }
}
