import ArgumentParser
import Foundation
import ParapetCore
import ParapetDetect

/// `parapet bench message`: throughput of the message path (normalisation + rules + classifier + response detectors).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Micro-benchmarks.",
        subcommands: [Message.self, BenchKafkaCommand.self, BenchSessionsCommand.self])

    struct Message: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Events/s and MB/s of the message-level analysis on one core, per message size.",
            discussion: "Build with -c release. Messages are synthetic English chat text (with a few attack phrases mixed in).")

        @Option(help: "Message sizes in bytes.")
        var sizes: [Int] = [100, 500, 1_000, 10_000, 100_000]

        @Option(help: "Seconds per size.")
        var seconds: Double = 2

        @Option(help: "Role of the messages: user, assistant, document, tool.")
        var role: String = "user"

        @Option(name: .customLong("events"), help: "Analyse exactly this many events per size (after the warm-up) instead of running for --seconds: a fixed count for allocation and instruction counts under valgrind.")
        var eventCount: Int?

        func run() throws {
            let analyzer = MessageAnalyzer(detectors: try StandardDetectors.make())
            guard let r = Role(rawValue: role) else { throw ValidationError("unknown role \(role)") }
            print("message path, role \(role), one thread")
            print("size_bytes\tevents_per_s\tMB_per_s\tus_per_event")
            for size in sizes {
                let msgs = (0..<64).map { Self.message(size: size, variant: $0) }
                let events = msgs.enumerated().map { i, m in
                    ChatEvent(eventID: "b\(i)", sessionID: "s", time: EventTime(micros: 0), role: r, content: m)
                }
                let bytes = msgs.reduce(0) { $0 + $1.utf8.count }
                // warm up
                var sink = 0.0
                for e in events { sink += analyzer.analyze(e).scores.jailbreak }
                var n = 0
                var total = 0
                let start = DispatchTime.now().uptimeNanoseconds
                var elapsed = 0.0
                if let fixed = eventCount {
                    while n < fixed {
                        let e = events[n % events.count]
                        sink += analyzer.analyze(e).scores.jailbreak
                        n += 1
                        total += e.content.utf8.count
                    }
                    elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                } else {
                    repeat {
                        for e in events { sink += analyzer.analyze(e).scores.jailbreak }
                        n += events.count
                        total += bytes
                        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                    } while elapsed < seconds
                }
                let eps = Double(n) / elapsed
                print(String(format: "%d\t%.0f\t%.1f\t%.2f", size, eps, Double(total) / elapsed / 1e6, 1e6 / eps))
                if sink < 0 { print(sink) }
            }
        }

        static let words = """
            the a to of and in is it you that for on with as this be are have can your how what my not do we an \
            please help write code function python error data file list table email meeting report project team \
            customer order price thanks question answer explain example summary review update today tomorrow \
            server database query user account system model training results analysis design plan budget \
            ignore previous instructions pretend story character role game
            """.split(separator: " ").map(String.init)

        static func message(size: Int, variant: Int) -> String {
            var rng = SplitMix64(seed: UInt64(variant + 1) &* 0x9E37_79B9)
            var s = ""
            s.reserveCapacity(size + 16)
            var sentence = 0
            while s.utf8.count < size {
                let w = words[Int(rng.next() % UInt64(words.count - 8))]
                s += sentence == 0 ? w.capitalized : w
                sentence += 1
                if sentence > 6 && rng.next() % 5 == 0 {
                    s += ". "
                    sentence = 0
                } else {
                    s += " "
                }
            }
            return String(s.utf8.prefix(size)) ?? s
        }
    }
}
