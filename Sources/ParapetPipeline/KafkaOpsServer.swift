import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A tiny HTTP/1.1 server for operations: `GET /metrics` (Prometheus text), `/healthz` (process alive) and
/// `/readyz` (joined the group and polling). One thread, blocking accept, one short request per connection.
/// Chosen over Hummingbird/NIO to keep the cold build small: three read-only endpoints need no framework.
public final class KafkaOpsServer: @unchecked Sendable {
    public typealias Handler = @Sendable (String) -> (status: Int, contentType: String, body: String)
    private let fd: Int32
    public let port: Int
    private let handler: Handler
    private let logger: Logger
    private let lock = NSLock()
    private var closed = false

    public init(host: String, port: Int, logger: Logger, handler: @escaping Handler) throws {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { throw ConfigError(key: "http.port", reason: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &addr.sin_addr) == 1 else {
            close(s)
            throw ConfigError(key: "http.host", reason: "not an IPv4 address: \(host)")
        }
        let r = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0, listen(s, 16) == 0 else {
            let why = String(cString: strerror(errno))
            close(s)
            throw ConfigError(key: "http.port", reason: "cannot listen on \(host):\(port): \(why)")
        }
        var bound = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) } }
        self.fd = s
        self.port = Int(UInt16(bigEndian: bound.sin_port))
        self.handler = handler
        self.logger = logger
        let t = Thread { [self] in self.serve() }
        t.name = "parapet-http"
        t.start()
    }

    public func shutdown() {
        let already = lock.withLock { () -> Bool in
            defer { closed = true }
            return closed
        }
        if !already {
            #if canImport(Glibc)
            Glibc.shutdown(fd, Int32(SHUT_RDWR))
            #else
            Darwin.shutdown(fd, SHUT_RDWR)
            #endif
            close(fd)
        }
    }

    private func serve() {
        while true {
            let c = accept(fd, nil, nil)
            if c < 0 {
                if lock.withLock({ closed }) { return }
                if errno == EINTR { continue }
                return
            }
            var tv = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = read(c, &buf, buf.count)
            var path = "/"
            if n > 0 {
                let head = String(decoding: buf[0..<n], as: UTF8.self)
                let parts = head.split(separator: " ", maxSplits: 2)
                if parts.count >= 2 { path = String(parts[1]) }
            }
            let (status, type, body) = handler(path)
            let reason = [200: "OK", 404: "Not Found", 503: "Service Unavailable"][status] ?? "OK"
            let bytes = Array(body.utf8)
            let response = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: \(type)\r\nContent-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
            var out = Array(response.utf8) + bytes
            var sent = 0
            while sent < out.count {
                let w = out.withUnsafeMutableBytes { write(c, $0.baseAddress! + sent, $0.count - sent) }
                if w <= 0 { break }
                sent += w
            }
            close(c)
        }
    }

    /// The standard routes for a processor.
    public static func routes(metrics: KafkaMetrics, ready: @escaping @Sendable () -> Bool) -> Handler {
        { path in
            switch path.split(separator: "?").first.map(String.init) ?? path {
            case "/metrics": (200, "text/plain; version=0.0.4", metrics.render())
            case "/healthz": (200, "text/plain", "ok\n")
            case "/readyz": ready() ? (200, "text/plain", "ready\n") : (503, "text/plain", "not ready\n")
            default: (404, "text/plain", "not found\n")
            }
        }
    }
}
