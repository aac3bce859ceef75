import ArgumentParser
import Foundation
import ParapetAlerts
import ParapetCore
import ParapetPipeline
import ParapetSession

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

    @Option(help: "Alert format for --alerts/stdout: native (Schemas/alert.schema.json) or ocsf (OCSF Detection Finding).")
    var format: AlertFormat = .native

    @Option(help: "Evidence text in alerts: redacted (default), full, or none.")
    var evidence: EvidenceText?

    @Option(help: "YAML configuration file (the engine section of the same file `parapet run` reads: thresholds, limits, alerts); PARAPET_* environment variables apply too.")
    var config: String?

    @Option(help: "Write a self-contained HTML forensic report here (keep it with the alerts: it holds excerpts).")
    var report: String?

    @Option(help: "Progress on stderr: auto (a bar on a terminal, periodic lines otherwise), bar, lines, or none.")
    var progress: ProgressMode = .auto

    @Option(help: "POST each alert version to this http:// URL (retries with backoff; failures go to the dead-letter file).")
    var webhook: String?

    @Option(help: "Payload format for --webhook: native or ocsf.")
    var webhookFormat: AlertFormat = .native

    @Option(help: "Dead-letter file for alerts the webhook could not deliver.")
    var webhookDeadLetter: String = "parapet-webhook-dead-letter.jsonl"

    @Option(help: "Only send alerts of at least this severity to the webhook: informational, low, medium, high.")
    var webhookMinSeverity: Severity = .low

    @Option(help: "Attempts per alert for the webhook (1 = no retry).")
    var webhookAttempts: Int = 5

    @Flag(help: "At the end, also emit a final version of every incident still open that grew since its last emitted version. (Incidents of sessions evicted during the replay get theirs when evicted, with or without this flag.)")
    var flushIncidents = false

    func run() throws {
        var configuration = try ParapetConfig.engineConfiguration(file: config)
        // A replay keeps every window until the session cap, so results do not depend on the interleaving.
        configuration.reclaimLatenessSeconds = EngineConfiguration.replay.reclaimLatenessSeconds
        if let evidence { configuration.alerts.evidenceText = evidence }
        let evidence = configuration.alerts.evidenceText
        let engine = try EngineFactory.makeEngine(configuration)
        var runner = ReplayRunner(engine: engine, maxLineBytes: maxLineBytes)
        var sinks = ReplaySinks()
        let alertWriter = try JSONLinesWriter(path: alerts ?? "-")
        let mapper = OCSFMapper(productVersion: ParapetVersion.string)
        let writeFailure = FirstError()
        switch format {
        case .native:
            sinks.alerts = alertWriter
        case .ocsf:
            sinks.onAlert = { a in writeFailure.capture { try alertWriter.write(mapper.map(a)) } }
        }
        if let verdicts { sinks.verdicts = try JSONLinesWriter(path: verdicts) }
        if let rejects { sinks.rejects = try JSONLinesWriter(path: rejects) }
        var webhookSink: WebhookSink?
        if let webhook {
            var wc = WebhookConfiguration(url: webhook, deadLetterPath: webhookDeadLetter)
            wc.maxAttempts = max(1, webhookAttempts)
            let sink = try WebhookSink(wc)
            webhookSink = sink
            let minSeverity = webhookMinSeverity
            let wf = webhookFormat
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let previous = sinks.onAlert
            sinks.onAlert = { a in
                previous?(a)
                guard a.severity >= minSeverity else { return }
                let body: Data? = wf == .ocsf ? try? enc.encode(mapper.map(a)) : try? enc.encode(a)
                if let body { sink.send(body, alertID: a.alertID, version: a.version) }
            }
        }
        let collector = report.map { _ in ReportCollectorBox() }
        if let collector {
            let previousAlert = sinks.onAlert
            sinks.onAlert = { a in
                previousAlert?(a)
                collector.value.add(a)
            }
            sinks.onVerdict = { v in collector.value.add(v) }
        }
        var shown = 0
        let quiet = quietRejects
        sinks.onReject = { r in
            guard !quiet else { return }
            shown += 1
            if shown <= 1000 { StandardError.write("reject: " + r.message) }
            if shown == 1000 { StandardError.write("reject: (further rejects not shown; see --rejects)") }
        }
        let inputList = inputs.isEmpty ? ["-"] : inputs
        let meter = ProgressMeter(mode: progress, totalBytes: ProgressMeter.expectedBytes(inputList))
        if meter.enabled {
            runner.progress = { summary, bytes in
                meter.update(events: summary.events, alerts: summary.alerts, bytes: summary.bytes + bytes)
            }
        }
        var summary = try runner.run(inputs: inputList, sinks: sinks)
        meter.finish()
        if flushIncidents {
            for a in runner.engine.flushOpenIncidents() {
                try sinks.alerts?.write(a)
                sinks.onAlert?(a)
                summary.alerts += 1
                summary.alertsByType[a.type, default: 0] += 1
            }
        }
        try writeFailure.rethrow()
        try alertWriter.close()
        try sinks.verdicts?.close()
        try sinks.rejects?.close()
        if let webhookSink {
            let st = webhookSink.close()
            StandardError.write("webhook: \(st.delivered) delivered, \(st.retries) retries, \(st.deadLettered) dead-lettered"
                + (st.deadLettered > 0 ? " (see \(webhookDeadLetter))" : ""))
        }
        if let report, let collector {
            var data = collector.value.snapshot()
            data.counts.sessions = summary.sessions
            data.counts.sessionsEstimated = summary.sessionsEstimated
            data.counts.events = summary.events
            data.counts.rejects = summary.rejects
            data.context = ["Inputs: " + inputList.joined(separator: ", "),
                            "Parapet \(ParapetVersion.string) · \(summary.events) events in \(String(format: "%.1f", summary.seconds)) s · evidence \(evidence.rawValue)"]
            let html = ReportBuilder().render(data)
            guard FileManager.default.createFile(atPath: report, contents: Data(html.utf8)) else {
                throw ValidationError("cannot write the report to \(report)")
            }
            StandardError.write("report: \(report) (\(data.alerts.count) alerts, \(data.timelines.count) session timelines)")
        }
        StandardError.write(summary.text)
        if summary.rejects > 0 { throw ExitCode(3) }
    }
}

extension AlertFormat: ExpressibleByArgument {}
extension ProgressMode: ExpressibleByArgument {}
extension EvidenceText: ExpressibleByArgument {}
extension Severity: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
}

/// The report collector, shared by the replay's callbacks (single-threaded).
final class ReportCollectorBox {
    var value = ReportCollector()
}

/// Keeps the first error thrown inside a callback that cannot throw.
final class FirstError {
    private var error: (any Error)?
    func capture(_ body: () throws -> Void) {
        guard error == nil else { return }
        do { try body() } catch { self.error = error }
    }
    func rethrow() throws { if let error { throw error } }
}
