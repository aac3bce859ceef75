import Foundation

/// Chatty benign questions built from the frames and fillers in `Resources/training/chat-negatives.txt`, used as
/// extra negatives when training (`parapet train --chat-negatives N`).
///
/// Why: DEV's harmful requests are mostly short chatty questions, its benign prompts mostly tasks, so the harm head
/// learned the chatty form as harm ("why are people so mean online" scored 0.9). Putting the same frames around
/// everyday subjects, labelled benign, leaves the frame without a label of its own.
public struct ChatNegatives: Sendable {
    /// A problem in the list file, named by line or frame.
    public struct ListError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { "chat-negatives list: \(message)" }
    }

    public var frames: [String]
    public var fillers: [String: [String]]

    public init(text: String) throws {
        var frames: [String] = []
        var fillers: [String: [String]] = [:]
        var section: String?
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let s = section else { throw ListError(message: "line \(n + 1): text before any [section]") }
            if s == "frames" { frames.append(line) } else { fillers[s, default: []].append(line) }
        }
        for f in frames {
            for slot in Self.slots(in: f) where fillers[slot]?.isEmpty ?? true {
                throw ListError(message: "frame '\(f)' uses {\(slot)}, which has no [\(slot)] section")
            }
        }
        guard !frames.isEmpty else { throw ListError(message: "no [frames] section") }
        self.frames = frames
        self.fillers = fillers
    }

    /// The list shipped with the package.
    public static func bundled() throws -> ChatNegatives {
        guard let url = Bundle.module.url(forResource: "Resources/training/chat-negatives", withExtension: "txt") else {
            throw ListError(message: "Resources/training/chat-negatives.txt is missing from the bundle")
        }
        return try ChatNegatives(text: String(contentsOf: url, encoding: .utf8))
    }

    static func slots(in frame: String) -> [String] {
        var out: [String] = []
        var rest = Substring(frame)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out.append(String(rest[rest.index(after: open)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return out
    }

    /// `count` distinct questions, the same for the same list and count (frames and fillers picked by a fixed
    /// hash sequence, no random generator; stops early when the list has fewer distinct questions).
    public func questions(count: Int) -> [String] {
        var out: [String] = []
        var seen = Set<String>()
        var i: UInt64 = 0
        let limit = UInt64(max(count, 1)) * 50
        while out.count < count && i < limit {
            let frame = frames[Int(Self.mix(i &* 8) % UInt64(frames.count))]
            var s = frame
            for (k, slot) in Self.slots(in: frame).enumerated() {
                let list = fillers[slot]!
                s = s.replacingOccurrences(of: "{\(slot)}", with: list[Int(Self.mix(i &* 8 &+ UInt64(k + 1)) % UInt64(list.count))])
            }
            if seen.insert(s).inserted { out.append(s) }
            i += 1
        }
        return out
    }

    /// SplitMix64's finaliser: every input bit moves every output bit, so indices taken modulo any list size cover
    /// the whole list (a plain multiplicative sequence reached only every other frame of an even-sized list).
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
