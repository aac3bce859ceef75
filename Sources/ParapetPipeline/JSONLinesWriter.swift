import Foundation

/// Buffered JSON-lines output to a file or stdout. Keys are sorted so that output is byte-for-byte reproducible.
public final class JSONLinesWriter {
    private let handle: FileHandle
    private let ownsHandle: Bool
    private var buffer = Data()
    private let encoder: JSONEncoder
    public let name: String
    public private(set) var linesWritten = 0

    public init(path: String) throws {
        if path == "-" {
            handle = FileHandle.standardOutput
            ownsHandle = false
            name = "<stdout>"
        } else {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw LineReader.OpenError.cannotOpen(path, "cannot create file")
            }
            handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            ownsHandle = true
            name = path
        }
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    public func write<T: Encodable>(_ value: T) throws {
        buffer.append(try encoder.encode(value))
        buffer.append(10)
        linesWritten += 1
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func writeRaw(_ line: Data) throws {
        buffer.append(line)
        buffer.append(10)
        linesWritten += 1
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        try flush()
        if ownsHandle { try handle.close() }
    }

    deinit { try? flush() }
}
