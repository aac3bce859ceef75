import Foundation

/// Unbuffered writes to stderr for diagnostics and summaries.
enum StandardError {
    static func write(_ s: String) {
        FileHandle.standardError.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
    }
}
