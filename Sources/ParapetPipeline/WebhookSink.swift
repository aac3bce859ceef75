import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 client over POSIX sockets: one POST per connection (`Connection: close`), with a deadline
/// for connect, send and receive. `http://` only (put a TLS-terminating relay in front of `https://` endpoints).
public struct HTTPClient: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
    }

    public enum Failure: Error, Sendable, CustomStringConvertible, Equatable {
        case badURL(String)
        case resolve(String)
        case connect(String)
        case timeout(String)
        case io(String)
        case badResponse(String)

        public var description: String {
            switch self {
            case .badURL(let s): "bad URL: \(s)"
            case .resolve(let s): "cannot resolve host: \(s)"
            case .connect(let s): "connection failed: \(s)"
            case .timeout(let s): "timed out \(s)"
            case .io(let s): "I/O error: \(s)"
            case .badResponse(let s): "bad HTTP response: \(s)"
            }
        }
    }

    public struct Endpoint: Sendable, Hashable {
        public var host: String
        public var port: Int
        public var path: String

        /// Parses `http://host[:port][/path][?query]` (IPv6 literals in brackets).
        public init(_ url: String) throws {
            guard url.lowercased().hasPrefix("http://") else {
                throw Failure.badURL(url.lowercased().hasPrefix("https://")
                    ? "https is not supported by the built-in client; use a local relay" : "only http:// URLs are supported")
            }
            var rest = Substring(url.dropFirst(7))
            let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            var authority = rest[..<slash]
            rest = rest[slash...]
            path = rest.isEmpty ? "/" : (rest.first == "?" ? "/" + rest : String(rest))
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { throw Failure.badURL(url) }
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let after = authority[authority.index(after: close)...]
                port = after.hasPrefix(":") ? Int(after.dropFirst()) ?? -1 : 80
            } else if let colon = authority.lastIndex(of: ":") {
                host = String(authority[..<colon])
                port = Int(authority[authority.index(after: colon)...]) ?? -1
            } else {
                host = String(authority)
                port = 80
            }
            guard !host.isEmpty, (1...65535).contains(port) else { throw Failure.badURL(url) }
        }

        var hostHeader: String {
            let h = host.contains(":") ? "[\(host)]" : host
            return port == 80 ? h : "\(h):\(port)"
        }
    }

    public var timeout: Double
    public var maxResponseBytes = 1 << 20

    public init(timeout: Double = 10) { self.timeout = timeout }

    public func post(_ endpoint: Endpoint, body: Data, headers: [String: String] = [:]) throws -> Response {
        let deadline = Date().addingTimeInterval(timeout)
        let fd = try connect(endpoint, deadline: deadline)
        defer { close(fd) }
        var head = "POST \(endpoint.path) HTTP/1.1\r\nHost: \(endpoint.hostHeader)\r\nUser-Agent: parapet\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (k, v) in headers.sorted(by: { $0.key < $1.key })
        where !k.contains("\r") && !k.contains("\n") && !v.contains("\r") && !v.contains("\n") {
            head += "\(k): \(v)\r\n"
        }
        head += "\r\n"
        var request = Data(head.utf8)
        request.append(body)
        try send(fd, request, deadline: deadline)
        let raw = try receive(fd, deadline: deadline)
        return try Self.parse(raw)
    }

    func remaining(_ deadline: Date) -> Int32 {
        Int32(max(0, min(Double(Int32.max), deadline.timeIntervalSinceNow * 1000)).rounded(.up))
    }

    func connect(_ e: Endpoint, deadline: Date) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var res: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(e.host, String(e.port), &hints, &res)
        guard rc == 0, let first = res else { throw Failure.resolve("\(e.host): \(String(cString: gai_strerror(rc)))") }
        defer { freeaddrinfo(first) }
        var lastError = Failure.connect("no address for \(e.host)")
        var ai: UnsafeMutablePointer<addrinfo>? = first
        while let a = ai {
            ai = a.pointee.ai_next
            let fd = socket(a.pointee.ai_family, a.pointee.ai_socktype, a.pointee.ai_protocol)
            guard fd >= 0 else { lastError = .connect(String(cString: strerror(errno))); continue }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK)
            #if canImport(Glibc)
            let rc = Glibc.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen)
            #else
            let rc = Darwin.connect(fd, a.pointee.ai_addr, a.pointee.ai_addrlen)
            #endif
            if rc == 0 { return fd }
            guard errno == EINPROGRESS else {
                lastError = .connect("\(e.hostHeader): \(String(cString: strerror(errno)))")
                close(fd)
                continue
            }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let n = poll(&p, 1, remaining(deadline))
            if n == 0 { close(fd); throw Failure.timeout("connecting to \(e.hostHeader)") }
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            if n > 0 && err == 0 { return fd }
            lastError = .connect("\(e.hostHeader): \(String(cString: strerror(err != 0 ? err : errno)))")
            close(fd)
        }
        throw lastError
    }

    func send(_ fd: Int32, _ data: Data, deadline: Date) throws {
        try data.withUnsafeBytes { (buf: UnsafeRawBufferPointer) in
            var off = 0
            while off < buf.count {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                let n = poll(&p, 1, remaining(deadline))
                if n == 0 { throw Failure.timeout("sending the request") }
                if n < 0 { if errno == EINTR { continue }; throw Failure.io(String(cString: strerror(errno))) }
                #if canImport(Glibc)
                let w = Glibc.send(fd, buf.baseAddress! + off, buf.count - off, Int32(MSG_NOSIGNAL))
                #else
                let w = Darwin.send(fd, buf.baseAddress! + off, buf.count - off, 0)
                #endif
                if w < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    throw Failure.io("send: \(String(cString: strerror(errno)))")
                }
                off += w
            }
        }
    }

    /// Reads until the peer closes, or until a complete response (headers + Content-Length body) has arrived.
    func receive(_ fd: Int32, deadline: Date) throws -> Data {
        var out = Data()
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let need = Self.completeLength(out), out.count >= need { return out }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, remaining(deadline))
            if n == 0 { throw Failure.timeout("waiting for the response") }
            if n < 0 { if errno == EINTR { continue }; throw Failure.io(String(cString: strerror(errno))) }
            let r = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if r < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw Failure.io("recv: \(String(cString: strerror(errno)))")
            }
            if r == 0 { return out }
            out.append(contentsOf: chunk[0..<r])
            if out.count > maxResponseBytes { return out }
        }
    }

    /// Total length of the response when its headers are complete and carry Content-Length.
    static func completeLength(_ d: Data) -> Int? {
        guard let end = d.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let head = String(decoding: d[..<end.lowerBound], as: UTF8.self).lowercased()
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            if let n = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) { return end.upperBound - d.startIndex + n }
        }
        return nil
    }

    static func parse(_ d: Data) throws -> Response {
        guard let end = d.range(of: Data("\r\n\r\n".utf8)) else {
            throw Failure.badResponse(d.isEmpty ? "connection closed without a response" : "incomplete headers")
        }
        let head = String(decoding: d[..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let status = lines[0].split(separator: " ")
        guard status.count >= 2, status[0].hasPrefix("HTTP/1."), let code = Int(status[1]) else {
            throw Failure.badResponse("status line: \(lines[0].prefix(60))")
        }
        var headers: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let c = l.firstIndex(of: ":") else { continue }
            headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        return Response(status: code, headers: headers, body: Data(d[end.upperBound...]))
    }
}

/// Settings of the webhook sink.
public struct WebhookConfiguration: Sendable {
    public var url: String
    /// Attempts per alert (1 = no retry).
    public var maxAttempts = 5
    /// First retry delay; doubles on each retry up to `maxBackoff` (seconds).
    public var initialBackoff = 0.5
    public var maxBackoff = 30.0
    /// Randomise each delay between half and all of it, so that many senders do not retry in step.
    public var jitter = true
    /// Deadline for one attempt (connect, send and response), seconds.
    public var timeout = 10.0
    /// Alerts waiting to be sent; when full, new alerts go to the dead-letter file at once.
    public var queueCapacity = 10_000
    /// Where undeliverable alerts go (one JSON line each, with the reason and the payload). nil: dropped and counted.
    public var deadLetterPath: String?
    public var headers: [String: String] = [:]
    /// After this many alerts in a row failed every attempt, the circuit opens: alerts go straight to the
    /// dead-letter file (no attempts) for `breakerCooldown` seconds, then one alert is tried again.
    /// This keeps a dead endpoint from stalling the end of a replay for minutes.
    public var breakerThreshold = 3
    public var breakerCooldown = 30.0

    public init(url: String, deadLetterPath: String? = nil) {
        self.url = url
        self.deadLetterPath = deadLetterPath
    }

    /// The delay before retry number `retry` (1-based), without jitter.
    public func backoff(retry: Int) -> Double {
        min(maxBackoff, initialBackoff * pow(2, Double(max(0, retry - 1))))
    }
}

/// Posts alerts to an HTTP endpoint (SOAR, chat notifications) from a background thread: detection never waits on
/// the network. Connection errors, timeouts, 408, 429 and 5xx are retried with exponential backoff; other 4xx are
/// not (the request itself is wrong). Whatever cannot be delivered goes to the dead-letter file.
public final class WebhookSink: @unchecked Sendable {
    public struct Stats: Sendable, Hashable {
        public var delivered = 0
        public var retries = 0
        public var deadLettered = 0
        public var dropped = 0
        /// Alerts dead-lettered without an attempt while the circuit was open.
        public var shortCircuited = 0
    }

    struct Item {
        var payload: Data
        var alertID: String
        var version: Int
    }

    public let configuration: WebhookConfiguration
    let endpoint: HTTPClient.Endpoint
    let client: HTTPClient
    let sleeper: @Sendable (Double) -> Void
    private let cond = NSCondition()
    private var queue: [Item] = []
    private var head = 0
    private var closing = false
    private var finished = false
    private var busy = false
    private var stats = Stats()
    private var deadLetter: FileHandle?
    private var thread: Thread?
    /// Worker-thread state of the circuit breaker.
    private var consecutiveFailures = 0
    private var openUntil = Date.distantPast

    /// `sleeper` waits between retries (tests pass one that records the delays).
    public init(_ configuration: WebhookConfiguration,
                sleeper: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) throws {
        self.configuration = configuration
        self.endpoint = try HTTPClient.Endpoint(configuration.url)
        self.client = HTTPClient(timeout: configuration.timeout)
        self.sleeper = sleeper
        if let path = configuration.deadLetterPath {
            // Fail early if the file cannot be written; it is opened (and created) on the first dead letter.
            let dir = URL(fileURLWithPath: path).deletingLastPathComponent().path
            guard FileManager.default.isWritableFile(atPath: FileManager.default.fileExists(atPath: path) ? path : dir) else {
                throw LineReader.OpenError.cannotOpen(path, "the dead-letter file is not writable")
            }
        }
        // The worker holds the sink until `close()` has drained the queue.
        let t = Thread { self.work() }
        t.name = "parapet-webhook"
        thread = t
        t.start()
    }

    public var currentStats: Stats {
        cond.lock()
        defer { cond.unlock() }
        return stats
    }

    /// Queues one alert payload (JSON). Never blocks; a full queue dead-letters the payload.
    public func send(_ payload: Data, alertID: String, version: Int) {
        cond.lock()
        if closing || queue.count - head >= configuration.queueCapacity {
            cond.unlock()
            writeDeadLetter(Item(payload: payload, alertID: alertID, version: version), attempts: 0, status: nil,
                            reason: closing ? "sink closed" : "queue full")
            return
        }
        queue.append(Item(payload: payload, alertID: alertID, version: version))
        cond.signal()
        cond.unlock()
    }

    /// Sends what is queued (with retries), then stops the worker. Returns the final counts.
    @discardableResult
    public func close() -> Stats {
        cond.lock()
        closing = true
        cond.broadcast()
        while !finished { cond.wait() }
        let s = stats
        try? deadLetter?.synchronize()
        try? deadLetter?.close()
        deadLetter = nil
        cond.unlock()
        return s
    }

    private func work() {
        while true {
            cond.lock()
            while head == queue.count && !closing { cond.wait() }
            if head == queue.count && closing {
                finished = true
                cond.broadcast()
                cond.unlock()
                return
            }
            let item = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            cond.unlock()
            deliver(item)
        }
    }

    /// Retries: transport errors, 408, 429, 5xx. Not retried: other 4xx (and 3xx, which a webhook should not send).
    static func isRetryable(status: Int) -> Bool { status == 408 || status == 429 || status >= 500 }

    func deliver(_ item: Item) {
        if consecutiveFailures >= configuration.breakerThreshold, Date() < openUntil {
            count { $0.shortCircuited += 1 }
            writeDeadLetter(item, attempts: 0, status: nil,
                            reason: "circuit open after \(consecutiveFailures) consecutive failed alerts (not attempted)")
            return
        }
        if attempt(item) {
            consecutiveFailures = 0
        } else {
            consecutiveFailures += 1
            if consecutiveFailures >= configuration.breakerThreshold {
                openUntil = Date().addingTimeInterval(configuration.breakerCooldown)
            }
        }
    }

    /// Sends one alert with retries; false when the endpoint could not be reached or kept failing (a 4xx is the
    /// request's fault, not the endpoint's: it counts as reached).
    func attempt(_ item: Item) -> Bool {
        var headers = configuration.headers
        headers["X-Parapet-Alert-Id"] = item.alertID
        headers["X-Parapet-Alert-Version"] = String(item.version)
        var lastStatus: Int?
        var lastReason = ""
        for attempt in 1...max(1, configuration.maxAttempts) {
            if attempt > 1 {
                var d = configuration.backoff(retry: attempt - 1)
                if configuration.jitter { d = d / 2 + Double.random(in: 0...(d / 2)) }
                count { $0.retries += 1 }
                sleeper(d)
            }
            do {
                let r = try client.post(endpoint, body: item.payload, headers: headers)
                lastStatus = r.status
                if (200..<300).contains(r.status) {
                    count { $0.delivered += 1 }
                    return true
                }
                lastReason = "HTTP \(r.status)"
                if !Self.isRetryable(status: r.status) {
                    writeDeadLetter(item, attempts: attempt, status: r.status, reason: lastReason + " (not retried)")
                    return true
                }
            } catch {
                lastStatus = nil
                lastReason = "\(error)"
            }
        }
        writeDeadLetter(item, attempts: configuration.maxAttempts, status: lastStatus,
                        reason: lastReason + " (gave up after \(configuration.maxAttempts) attempts)")
        return false
    }

    private func count(_ f: (inout Stats) -> Void) {
        cond.lock()
        f(&stats)
        cond.unlock()
    }

    struct DeadLetterMeta: Encodable {
        var time: String
        var url: String
        var alert_id: String
        var version: Int
        var attempts: Int
        var status: Int?
        var reason: String
    }

    /// The dead-letter file, opened for appending on first use (caller holds `cond`).
    private func deadLetterHandle() -> FileHandle? {
        if let deadLetter { return deadLetter }
        guard let path = configuration.deadLetterPath else { return nil }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { return nil }
        }
        guard let h = try? FileHandle(forWritingTo: URL(fileURLWithPath: path)) else { return nil }
        h.seekToEndOfFile()
        deadLetter = h
        return h
    }

    func writeDeadLetter(_ item: Item, attempts: Int, status: Int?, reason: String) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let meta = DeadLetterMeta(time: ISO8601DateFormatter().string(from: Date()), url: configuration.url,
                                  alert_id: item.alertID, version: item.version, attempts: attempts, status: status,
                                  reason: reason)
        guard var line = try? enc.encode(meta), line.last == UInt8(ascii: "}") else { return }
        line.removeLast()
        // The payload is embedded as JSON when it is JSON, so that it can be re-sent as is.
        if (try? JSONSerialization.jsonObject(with: item.payload)) != nil {
            line.append(contentsOf: Array(",\"payload\":".utf8))
            line.append(item.payload)
        } else {
            line.append(contentsOf: Array(",\"payload_text\":".utf8))
            line.append((try? enc.encode(String(decoding: item.payload, as: UTF8.self))) ?? Data("\"\"".utf8))
        }
        line.append(contentsOf: Array("}\n".utf8))
        cond.lock()
        defer { cond.unlock() }
        guard let h = deadLetterHandle() else {
            stats.dropped += 1
            return
        }
        h.write(line)
        stats.deadLettered += 1
    }
}
