import ArgumentParser
import Foundation
import ParapetCore
import ParapetPipeline

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded events (JSON lines, .gz or stdin) through the detection pipeline.",
        discussion: """
            Events are processed in order within each session. Alerts go to stdout (or --alerts), verdicts to \
            --verdicts when asked. Lines that are not JSON or break the event contract are reported on stderr with \
            their file and line number, written to --rejects when asked, and skipped. Exit status: 0 when every line \
            was accepted, 3 when some were rejected, 1 on a fatal error.
            """)

    @Argument(help: "Event files (.jsonl or .jsonl.gz); '-' or nothing reads stdin.")
    var inputs: [String] = []

    @Option(help: "Write alerts here instead of stdout.")
    var alerts: String?

    @Option(help: "Write one verdict per event here.")
    var verdicts: String?

    @Option(help: "Write rejected lines (with the reason) here.")
    var rejects: String?

    @Option(help: "Longest accepted line, in bytes.")
    var maxLineBytes: Int = 16 << 20

    @Flag(help: "Do not print each rejected line on stderr (the summary still counts them).")
    var quietRejects = false

    func run() throws {
        let engine = try EngineFactory.makeEngine()
        var runner = ReplayRunner(engine: engine, maxLineBytes: maxLineBytes)
        var sinks = ReplaySinks()
        sinks.alerts = try JSONLinesWriter(path: alerts ?? "-")
        if let verdicts { sinks.verdicts = try JSONLinesWriter(path: verdicts) }
        if let rejects { sinks.rejects = try JSONLinesWriter(path: rejects) }
        var shown = 0
        let quiet = quietRejects
        sinks.onReject = { r in
            guard !quiet else { return }
            shown += 1
            if shown <= 1000 { StandardError.write("reject: " + r.message) }
            if shown == 1000 { StandardError.write("reject: (further rejects not shown; see --rejects)") }
        }
        let summary = try runner.run(inputs: inputs.isEmpty ? ["-"] : inputs, sinks: sinks)
        try sinks.alerts?.close()
        try sinks.verdicts?.close()
        try sinks.rejects?.close()
        StandardError.write(summary.text)
        if summary.rejects > 0 { throw ExitCode(3) }
    }
}
