import Foundation
import ParapetPipeline
import Testing

@Suite(.serialized) struct WebhookTests {
    func tempPath(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("parapet-webhook-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }

    func config(_ url: String, deadLetter: String, attempts: Int = 5, timeout: Double = 3) -> WebhookConfiguration {
        var c = WebhookConfiguration(url: url, deadLetterPath: deadLetter)
        c.maxAttempts = attempts
        c.jitter = false
        c.timeout = timeout
        return c
    }

    func deadLetters(_ path: String) throws -> [[String: Any]] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    let payload = Data(#"{"alert_id":"pa-1","version":2,"type":"jailbreak.direct"}"#.utf8)

    @Test func retriesServerErrorsWithBackoffThenDelivers() throws {
        let server = try WebhookTestServer(statuses: [500, 503, 200])
        defer { server.stop() }
        let dl = tempPath("dl.jsonl")
        let rec = DelayRecorder()
        let sink = try WebhookSink(config(server.url, deadLetter: dl), sleeper: { rec.record($0) })
        sink.send(payload, alertID: "pa-1", version: 2)
        let stats = sink.close()
        #expect(stats.delivered == 1 && stats.retries == 2 && stats.deadLettered == 0)
        #expect(rec.delays == [0.5, 1.0])
        let reqs = server.requests
        #expect(reqs.count == 3)
        #expect(reqs.allSatisfy { $0.body == payload })
        #expect(reqs.first?.head.hasPrefix("POST /hook HTTP/1.1") == true)
        #expect(reqs.first?.header("X-Parapet-Alert-Id") == "pa-1")
        #expect(reqs.first?.header("X-Parapet-Alert-Version") == "2")
        #expect(reqs.first?.header("Content-Type") == "application/json")
        #expect(!FileManager.default.fileExists(atPath: dl), "no dead-letter file when everything was delivered")
    }

    @Test func clientErrorIsDeadLetteredWithoutRetry() throws {
        let server = try WebhookTestServer(statuses: [400])
        defer { server.stop() }
        let dl = tempPath("dl.jsonl")
        let rec = DelayRecorder()
        let sink = try WebhookSink(config(server.url, deadLetter: dl), sleeper: { rec.record($0) })
        sink.send(payload, alertID: "pa-1", version: 2)
        let stats = sink.close()
        #expect(stats.delivered == 0 && stats.deadLettered == 1 && stats.retries == 0)
        #expect(server.requests.count == 1)
        #expect(rec.delays.isEmpty)
        let lines = try deadLetters(dl)
        #expect(lines.count == 1)
        #expect(lines.first?["status"] as? Int == 400)
        #expect(lines.first?["alert_id"] as? String == "pa-1")
        #expect((lines.first?["payload"] as? [String: Any])?["type"] as? String == "jailbreak.direct")
    }

    @Test func tooManyRequestsIsRetried() throws {
        let server = try WebhookTestServer(statuses: [429, 204])
        defer { server.stop() }
        let rec = DelayRecorder()
        let sink = try WebhookSink(config(server.url, deadLetter: tempPath("dl.jsonl")), sleeper: { rec.record($0) })
        sink.send(payload, alertID: "pa-1", version: 1)
        #expect(sink.close().delivered == 1)
        #expect(server.requests.count == 2)
    }

    @Test func connectionRefusedIsRetriedThenDeadLettered() throws {
        let port = try WebhookTestServer.closedPort()
        let dl = tempPath("dl.jsonl")
        let rec = DelayRecorder()
        let sink = try WebhookSink(config("http://127.0.0.1:\(port)/x", deadLetter: dl, attempts: 3), sleeper: { rec.record($0) })
        sink.send(payload, alertID: "pa-9", version: 1)
        sink.send(payload, alertID: "pa-10", version: 1)
        let stats = sink.close()
        #expect(stats.deadLettered == 2 && stats.delivered == 0)
        #expect(rec.delays == [0.5, 1.0, 0.5, 1.0])
        let lines = try deadLetters(dl)
        #expect(lines.map { $0["alert_id"] as? String } == ["pa-9", "pa-10"])
        #expect((lines.first?["reason"] as? String)?.contains("refused") == true)
        #expect(lines.first?["attempts"] as? Int == 3)
    }

    @Test func circuitBreakerStopsHammeringADeadEndpoint() throws {
        let port = try WebhookTestServer.closedPort()
        let dl = tempPath("dl.jsonl")
        let rec = DelayRecorder()
        var c = config("http://127.0.0.1:\(port)/x", deadLetter: dl, attempts: 3)
        c.breakerThreshold = 2
        c.breakerCooldown = 60
        let sink = try WebhookSink(c, sleeper: { rec.record($0) })
        for i in 0..<10 { sink.send(payload, alertID: "pa-\(i)", version: 1) }
        let stats = sink.close()
        #expect(stats.deadLettered == 10 && stats.shortCircuited == 8)
        #expect(rec.delays.count == 4, "only the first two alerts are retried: \(rec.delays)")
        let lines = try deadLetters(dl)
        #expect(lines.count == 10)
        #expect(lines.last?["attempts"] as? Int == 0)
        #expect((lines.last?["reason"] as? String)?.contains("circuit open") == true)
    }

    @Test func timeoutIsRetriedThenDeadLettered() throws {
        let server = try WebhookTestServer(statuses: [200], hang: true)
        defer { server.stop() }
        let dl = tempPath("dl.jsonl")
        let sink = try WebhookSink(config(server.url, deadLetter: dl, attempts: 2, timeout: 0.3), sleeper: { _ in })
        let start = Date()
        sink.send(payload, alertID: "pa-2", version: 1)
        let stats = sink.close()
        #expect(stats.deadLettered == 1)
        #expect(Date().timeIntervalSince(start) < 5)
        #expect((try deadLetters(dl).first?["reason"] as? String)?.contains("timed out") == true)
    }

    @Test func backoffDoublesUpToTheCap() {
        var c = WebhookConfiguration(url: "http://127.0.0.1/")
        c.initialBackoff = 0.5
        c.maxBackoff = 3
        #expect((1...5).map { c.backoff(retry: $0) } == [0.5, 1, 2, 3, 3])
    }

    @Test func endpointParsing() throws {
        let e = try HTTPClient.Endpoint("http://127.0.0.1:8080/hooks/parapet?token=x")
        #expect(e.host == "127.0.0.1" && e.port == 8080 && e.path == "/hooks/parapet?token=x")
        let d = try HTTPClient.Endpoint("http://soar.example")
        #expect(d.port == 80 && d.path == "/")
        let v6 = try HTTPClient.Endpoint("http://[::1]:9000/a")
        #expect(v6.host == "::1" && v6.port == 9000)
        #expect(throws: HTTPClient.Failure.self) { try HTTPClient.Endpoint("https://soar.example/") }
        #expect(throws: HTTPClient.Failure.self) { try HTTPClient.Endpoint("http://host:99999/") }
    }
}
