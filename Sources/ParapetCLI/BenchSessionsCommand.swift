import ArgumentParser
import Foundation
import ParapetCore
import ParapetPipeline

/// `parapet bench sessions`: memory per live session and peak RSS with many live sessions.
struct BenchSessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Measure memory per live session and peak RSS with N live sessions (through the whole engine).")

    @Option(help: "Live sessions to create (comma-separated for several runs, each in a fresh engine).")
    var count: String = "1000,100000"

    @Option(help: "Turns per session (user and assistant alternating).")
    var turns: Int = 2

    @Option(help: "Bytes of text per turn.")
    var textBytes: Int = 100

    func run() throws {
        let counts = count.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        print("sessions  turns  text_bytes/turn  rss_delta_MB  bytes/session  text_kept/session  peak_rss_MB  events/s")
        for n in counts {
            var config = EngineConfiguration()
            config.maxSessions = n + 1
            config.maxUsers = 1
            var engine = try EngineFactory.makeEngine(config)
            let base = ProcessMemory.residentBytes()
            let filler = String(repeating: "lorem ipsum dolor sit amet ", count: textBytes / 27 + 1).prefix(textBytes)
            let clock = ContinuousClock()
            let started = clock.now
            for t in 0..<turns {
                for i in 0..<n {
                    let e = ChatEvent(
                        eventID: "s\(i)#\(t)", sessionID: "s\(i)", time: EventTime(micros: Int64(t) * 20_000_000 + Int64(i)),
                        role: t % 2 == 0 ? .user : .assistant, content: "message \(t) of \(i) " + filler)
                    _ = engine.process(e)
                }
            }
            let secs = (clock.now - started).seconds
            let delta = Double(ProcessMemory.residentBytes() - base)
            let kept = Double(min(textBytes + 20, 4096) * turns)
            print(String(format: "%8d  %5d  %15d  %12.1f  %13.0f  %17.0f  %11.1f  %8.0f",
                         n, turns, textBytes, delta / 1e6, delta / Double(n), kept,
                         Double(ProcessMemory.peakResidentBytes()) / 1e6, Double(n * turns) / secs))
            withExtendedLifetime(engine) {}
        }
    }
}

/// Resident memory of this process, from /proc (Linux).
enum ProcessMemory {
    static func residentBytes() -> Int { field("VmRSS:") }
    static func peakResidentBytes() -> Int { field("VmHWM:") }

    static func field(_ name: String) -> Int {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in s.split(separator: "\n") where line.hasPrefix(name) {
            let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kb * 1024
        }
        return 0
    }
}
