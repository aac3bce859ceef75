import Foundation
import ParapetCore
import ParapetKafka
import ParapetPipeline
import Testing

/// The built `parapet` binary, next to the test bundle in the build products directory.
func parapetBinary() -> URL? {
    var candidates: [URL] = []
    let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    candidates.append(arg0.deletingLastPathComponent().appendingPathComponent("parapet"))
    var dir = arg0
    for _ in 0..<4 {
        dir = dir.deletingLastPathComponent()
        candidates.append(dir.appendingPathComponent("parapet"))
    }
    candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("parapet"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

@Suite("Crash recovery: the processor as a separate process, killed with SIGKILL", .serialized)
struct KafkaCrashRecoveryTests {
    func launch(_ binary: URL, cluster: TestCluster, input: String, alerts: String, log: URL) throws -> Process {
        let p = Process()
        p.executableURL = binary
        p.arguments = ["run"]
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PARAPET_") }
        env["PARAPET_KAFKA_BOOTSTRAP_SERVERS"] = cluster.bootstrap
        env["PARAPET_KAFKA_GROUP_ID"] = "\(cluster.prefix)-group"
        env["PARAPET_KAFKA_INPUT_TOPIC"] = input
        env["PARAPET_KAFKA_ALERTS_TOPIC"] = alerts
        env["PARAPET_KAFKA_COMMIT_INTERVAL_MS"] = "150"
        env["PARAPET_HTTP_PORT"] = "0"
        env["PARAPET_LOG_LEVEL"] = "info"
        env["PARAPET_KAFKA_CONSUMER_PROPERTY_SESSION_TIMEOUT_MS"] = "6000"
        env["PARAPET_KAFKA_CONSUMER_PROPERTY_HEARTBEAT_INTERVAL_MS"] = "500"
        env["PARAPET_KAFKA_PROPERTY_LOG__LEVEL"] = "4"
        if let v = ProcessInfo.processInfo.environment["PARAPET_TEST_MAX_RESTORE_RECORDS"] {
            env["PARAPET_PROCESSING_MAX_RESTORE_RECORDS"] = v  // negative control: 0 disables the rebuild
        }
        p.environment = env
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let h = try FileHandle(forWritingTo: log)
        h.seekToEndOfFile()
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return p
    }

    @Test("SIGKILL at random points, restarted several times: the alert set equals a clean run's", .timeLimit(.minutes(3)))
    func killAndRestart() async throws {
        let binary = try #require(parapetBinary(), "the parapet binary is built next to the tests")
        let cluster = try TestCluster()
        let input = try cluster.topic("events", partitions: 3)
        let alerts = try cluster.topic("alerts", partitions: 1)
        let events = KafkaSamples.workload(sessions: 60, turns: 25, prefix: cluster.prefix)
        let expected = try Expect.alerts(events)
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(cluster.prefix)-crash.log")

        // Events arrive over ~10 s while processes come and go.
        let producing = Task.detached {
            var i = 0
            while i < events.count {
                try cluster.produce(input, Array(events[i..<min(i + 15, events.count)]))
                i += 15
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        var rng = SystemRandomNumberGenerator()
        var kills = 0
        for round in 0..<4 {
            let p = try launch(binary, cluster: cluster, input: input, alerts: alerts, log: log)
            // the first run lives long enough to join the group and commit, so that a later start has windows to
            // rebuild (a member killed early can keep the next one waiting for the group until its session expires)
            try await Task.sleep(for: .milliseconds(Int.random(in: round == 0 ? 8000...10000 : 3500...8000, using: &rng)))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal, "the processor was still running when killed; log: \(log.path)")
            kills += 1
        }
        try await producing.value
        let check = try KafkaConsumer(properties: KafkaProperties([
            "bootstrap.servers": cluster.bootstrap, "group.id": "\(cluster.prefix)-group", "log_level": "3",
        ]))
        let parts = (0..<3).map { TopicPartitionOffset(topic: input, partition: Int32($0)) }
        // Did a killed run commit a position behind which live windows start? Then the next start must rebuild them.
        let beforeLast = (try? check.committed(parts, timeoutMillis: 5000)) ?? []
        let mustRestore = beforeLast.contains { c in
            c.offset > 0 && (KafkaCommitMetadata(bytes: c.metadata).map { $0.restoreFrom < c.offset } ?? false)
        }
        // A final run to the end of the input, then a graceful stop.
        let last = try launch(binary, cluster: cluster, input: input, alerts: alerts, log: log)
        var caughtUp = false
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, !caughtUp {
            try await Task.sleep(for: .milliseconds(300))
            guard let committed = try? check.committed(parts, timeoutMillis: 5000) else { continue }
            var sum: Int64 = 0
            for c in committed where c.offset > 0 { sum += c.offset }
            caughtUp = sum == Int64(events.count)
        }
        kill(last.processIdentifier, SIGTERM)
        let exited = await waitUntil(30) { !last.isRunning }
        if !exited { kill(last.processIdentifier, SIGKILL) }
        last.waitUntilExit()
        #expect(caughtUp, "the restarted processor committed the whole input; log: \(log.path)")
        #expect(exited && last.terminationStatus == 0, "graceful stop on SIGTERM")

        let reader = try TopicReader(bootstrapServers: cluster.bootstrap, topics: [alerts], properties: KafkaProperties(["log_level": "3"]))
        reader.read(timeout: .seconds(10)) { Set(Expect.decode($0)).isSuperset(of: expected) }
        let got = Expect.decode(reader.messages)
        let logText = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let rebuilt = logText.contains("partition restored")
        #expect(rebuilt || !mustRestore, "windows were rebuilt from the log")
        #expect(Set(got) == expected,
                "after \(kills) kills: missing \(expected.subtracting(got).sorted().prefix(5)), extra \(Set(got).subtracting(expected).sorted().prefix(5)); log: \(log.path)")
        #expect(got.count >= expected.count)
        if Set(got) == expected, caughtUp { try? FileManager.default.removeItem(at: log) }
    }
}
