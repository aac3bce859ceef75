import CZlib
import Foundation

/// Reads newline-delimited records from a file, a `.gz` file (zlib reads plain files transparently) or stdin,
/// with a hard cap on line length so that one giant line cannot exhaust memory.
public final class LineReader {
    public enum Line {
        case text([UInt8])
        /// A line longer than the cap; its bytes were skipped.
        case tooLong(bytes: Int)
    }

    public enum OpenError: Error, CustomStringConvertible {
        case cannotOpen(String, String)
        public var description: String {
            switch self {
            case .cannotOpen(let p, let why): "cannot open \(p): \(why)"
            }
        }
    }

    public let name: String
    public let maxLineBytes: Int
    private let file: gzFile
    private var buffer = [UInt8](repeating: 0, count: 1 << 20)
    private var start = 0
    private var end = 0
    private var eof = false
    public private(set) var lineNumber = 0
    public private(set) var bytesRead: Int64 = 0

    /// `path` "-" reads standard input.
    public init(path: String, maxLineBytes: Int = 16 << 20) throws {
        self.name = path == "-" ? "<stdin>" : path
        self.maxLineBytes = maxLineBytes
        let f: gzFile?
        if path == "-" {
            f = gzdopen(dup(0), "rb")
        } else {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw OpenError.cannotOpen(path, "no such file")
            }
            guard !isDir.boolValue else { throw OpenError.cannotOpen(path, "is a directory") }
            f = gzopen(path, "rb")
        }
        guard let f else { throw OpenError.cannotOpen(path, String(cString: strerror(errno))) }
        gzbuffer(f, 1 << 18)
        self.file = f
    }

    deinit { gzclose(file) }

    /// The next line without its terminator (`\n` or `\r\n`), or nil at the end of input.
    /// The cap counts the line's bytes without its terminator (a CRLF file has the same cap as an LF one).
    public func next() throws -> Line? {
        var overflow = 0
        var pieces: [UInt8] = []
        while true {
            if start < end {
                let found: Int? = buffer.withUnsafeBufferPointer { b in
                    var i = start
                    while i < end {
                        if b[i] == 10 { return i }
                        i += 1
                    }
                    return nil
                }
                if let nl = found {
                    lineNumber += 1
                    defer { start = nl + 1 }
                    if overflow > 0 { return .tooLong(bytes: overflow + nl - start) }
                    pieces.append(contentsOf: buffer[start..<nl])
                    return finish(&pieces)
                }
                // No newline in the buffer: keep the partial line (or only count it, past the cap; one byte more
                // than the cap is kept because it may be the CR of a CRLF).
                if overflow > 0 || pieces.count + (end - start) > maxLineBytes + 1 {
                    overflow += pieces.count + (end - start)
                    pieces = []
                } else {
                    pieces.append(contentsOf: buffer[start..<end])
                }
                start = end
            }
            if eof {
                if overflow > 0 { lineNumber += 1; return .tooLong(bytes: overflow) }
                if pieces.isEmpty { return nil }
                lineNumber += 1
                return finish(&pieces)
            }
            try fill()
        }
    }

    private func finish(_ pieces: inout [UInt8]) -> Line {
        if pieces.last == 13 { pieces.removeLast() }
        if pieces.count > maxLineBytes { return .tooLong(bytes: pieces.count) }
        return .text(pieces)
    }

    private func fill() throws {
        let n = buffer.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if n < 0 {
            var code: Int32 = 0
            let msg = String(cString: gzerror(file, &code))
            throw OpenError.cannotOpen(name, "read error: \(msg)")
        }
        if n == 0 {
            // zlib reports a .gz that ends in the middle of its stream (a truncated file) only through gzerror,
            // as a plain end of input otherwise: say so instead of silently losing the rest.
            var code: Int32 = 0
            _ = gzerror(file, &code)
            if code == Z_BUF_ERROR { throw OpenError.cannotOpen(name, "read error: the compressed stream is truncated") }
            eof = true
        }
        start = 0
        end = Int(n)
        bytesRead += Int64(n)
    }
}
