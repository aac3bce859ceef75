import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP/1.1 server on 127.0.0.1 for the webhook tests: answers each request with the next scripted status
/// (the last one repeats), or never answers (`hang`), and records what it received.
final class WebhookTestServer: @unchecked Sendable {
    struct Request: Sendable {
        var head: String
        var body: Data
        func header(_ name: String) -> String? {
            for line in head.components(separatedBy: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    private let lock = NSLock()
    private var statuses: [Int]
    private let hang: Bool
    private var received: [Request] = []
    private var stopping = false
    private let listener: Int32
    let port: Int
    private let done = DispatchSemaphore(value: 0)

    init(statuses: [Int], hang: Bool = false) throws {
        self.statuses = statuses
        self.hang = hang
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: bound.sin_port))
        let t = Thread { self.serve() }
        t.start()
    }

    var url: String { "http://127.0.0.1:\(port)/hook" }

    var requests: [Request] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    func stop() {
        lock.lock()
        stopping = true
        lock.unlock()
        done.wait()
        close(listener)
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    private func serve() {
        defer { done.signal() }
        while !isStopping {
            var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            let c = accept(listener, nil, nil)
            guard c >= 0 else { continue }
            handle(c)
        }
    }

    private func handle(_ c: Int32) {
        defer { close(c) }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 8192)
        var need: Int?
        while need == nil || data.count < need! {
            var p = pollfd(fd: c, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 2000) > 0 else { return }
            let n = buf.withUnsafeMutableBytes { recv(c, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return }
            data.append(contentsOf: buf[0..<n])
            if need == nil, let end = data.range(of: Data("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self)
                let length = head.lowercased().components(separatedBy: "\r\n")
                    .first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst(15).trimmingCharacters(in: .whitespaces)) } ?? 0
                need = end.upperBound + length
            }
        }
        let end = data.range(of: Data("\r\n\r\n".utf8))!
        let req = Request(head: String(decoding: data[..<end.lowerBound], as: UTF8.self), body: Data(data[end.upperBound...]))
        lock.lock()
        received.append(req)
        let status = statuses.count > 1 ? statuses.removeFirst() : (statuses.first ?? 200)
        lock.unlock()
        if hang {
            while !isStopping { usleep(20_000) }
            return
        }
        let body = "{\"ok\":\(status < 300)}"
        let resp = "HTTP/1.1 \(status) X\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
        _ = resp.withCString { send(c, $0, strlen($0), 0) }
    }

    /// A port on 127.0.0.1 that nothing listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let s = try WebhookTestServer(statuses: [200])
        let p = s.port
        s.stop()
        return p
    }
}

/// Records the retry delays the sink asks for (instead of sleeping).
final class DelayRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    var delays: [Double] {
        lock.lock()
        defer { lock.unlock() }
        return values
    }
    func record(_ d: Double) {
        lock.lock()
        values.append(d)
        lock.unlock()
    }
}
