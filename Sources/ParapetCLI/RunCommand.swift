import ArgumentParser
import Dispatch
import Foundation
import Logging
import ParapetKafka
import ParapetPipeline

/// Configuration flags shared by `run` (and usable by other Kafka commands).
struct KafkaConfigOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (see Deploy/parapet.yaml).")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Set any configuration key (repeatable), e.g. --set kafka.properties.sasl.mechanism=PLAIN.", valueName: "key=value"))
    var assignments: [String] = []

    @Option(help: "kafka.bootstrap_servers") var bootstrapServers: String?
    @Option(help: "kafka.group_id") var groupId: String?
    @Option(help: "kafka.group_instance_id (static membership)") var groupInstanceId: String?
    @Option(help: "kafka.input_topic") var inputTopic: String?
    @Option(help: "kafka.alerts_topic") var alertsTopic: String?
    @Option(help: "kafka.verdicts_topic") var verdictsTopic: String?
    @Option(help: "kafka.dead_letter_topic") var deadLetterTopic: String?
    @Option(help: "kafka.delivery: at_least_once or exactly_once") var delivery: String?
    @Option(help: "http.port (0: off)") var httpPort: Int?
    @Option(help: "log.level") var logLevel: String?

    /// defaults < file < environment < flags.
    func layers(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigLayers {
        var c = ConfigLayers.defaults()
        if let config { try c.addFile(config) }
        try c.addEnvironment(environment)
        let flags: [(String, String?)] = [
            ("kafka.bootstrap_servers", bootstrapServers), ("kafka.group_id", groupId),
            ("kafka.group_instance_id", groupInstanceId), ("kafka.input_topic", inputTopic),
            ("kafka.alerts_topic", alertsTopic), ("kafka.verdicts_topic", verdictsTopic),
            ("kafka.dead_letter_topic", deadLetterTopic), ("kafka.delivery", delivery),
            ("http.port", httpPort.map(String.init)), ("log.level", logLevel),
        ]
        for (k, v) in flags { if let v { try c.set(k, v, source: "flag") } }
        for a in assignments { try c.addAssignment(a) }
        return c
    }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the Kafka stream processor: events topic in, alerts (and verdicts, dead letters) out.",
        discussion: """
            Consumes the events topic as a consumer group (events keyed by session_id), runs the same detection \
            engine as 'parapet replay' with one engine per partition, and produces alerts keyed by session_id with \
            an alert_id header. At-least-once by default: input offsets are committed only after the alerts are \
            acknowledged. Configuration: --config FILE, then PARAPET_* environment variables, then flags. \
            SIGTERM/SIGINT stop gracefully. See docs/kafka.md.
            """)

    @OptionGroup var options: KafkaConfigOptions

    @Flag(help: "Print the effective configuration (secrets masked) and exit.")
    var printConfig = false

    func run() async throws {
        let config: ParapetConfig
        do {
            let layers = try options.layers()
            if printConfig {
                print(layers.render())
                _ = try ParapetConfig(layers)
                return
            }
            config = try ParapetConfig(layers)
            guard !config.processor.bootstrapServers.isEmpty else {
                throw ConfigError(key: "kafka.bootstrap_servers", reason: "required (PARAPET_KAFKA_BOOTSTRAP_SERVERS or --bootstrap-servers)")
            }
            try config.validateKafkaProperties()
        } catch let e as ConfigError {
            StandardError.write("parapet run: \(e)")
            throw ExitCode(2)
        }
        ParapetLogging.bootstrap(level: config.logLevel, format: config.logFormat)
        let logger = Logger(label: "parapet.run")
        let engineConfig = config.engine
        _ = try EngineFactory.makeEngine(engineConfig)  // fail fast on a bad engine configuration
        let processor = KafkaProcessor(settings: config.processor, logger: logger) { try EngineFactory.makeEngine(engineConfig) }
        var server: KafkaOpsServer?
        if config.httpPort > 0 {
            server = try KafkaOpsServer(host: config.httpHost, port: config.httpPort, logger: logger,
                                        handler: KafkaOpsServer.routes(metrics: processor.metrics) { processor.isReady })
            logger.info("http server listening", metadata: ["address": .string("\(config.httpHost):\(config.httpPort)")])
        }
        let signals = SignalStopper.install { sig in
            logger.info("signal received: stopping gracefully", metadata: ["signal": .stringConvertible(sig)])
            processor.stop()
        }
        defer {
            signals.cancel()
            server?.shutdown()
        }
        do {
            try await processor.run()
        } catch {
            logger.critical("processor failed", metadata: ["error": .string("\(error)")])
            throw ExitCode(1)
        }
    }
}

/// SIGTERM/SIGINT through dispatch sources (the default actions are disabled while installed).
final class SignalStopper: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    private init(sources: [any DispatchSourceSignal]) { self.sources = sources }

    static func install(_ onSignal: @escaping @Sendable (Int32) -> Void) -> SignalStopper {
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { onSignal(sig) }
            s.resume()
            sources.append(s)
        }
        return SignalStopper(sources: sources)
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
