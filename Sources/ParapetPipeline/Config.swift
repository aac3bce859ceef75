import Foundation
import ParapetAlerts
import ParapetCore
import ParapetDetect
import ParapetKafka
import ParapetSession
import Yams

/// A configuration error that names the key, the reason and where the value came from.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var reason: String
    public var source: String?

    public init(key: String, reason: String, source: String? = nil) {
        self.key = key
        self.reason = reason
        self.source = source
    }

    public var description: String {
        "config key '\(key)': \(reason)" + (source.map { " (from \($0))" } ?? "")
    }
}

/// The effective configuration as flat dotted keys (`kafka.bootstrap_servers`), built from layers in order of
/// precedence: defaults < YAML file < environment (PARAPET_...) < command-line flags.
public struct ConfigLayers: Sendable {
    public struct Value: Sendable, Hashable {
        public var value: String
        public var source: String
    }

    public private(set) var values: [String: Value] = [:]

    public init() {}

    /// Known keys: name, default (nil: unset), help.
    public static let known: [(key: String, defaultValue: String?, help: String)] = [
        ("kafka.bootstrap_servers", nil, "Comma-separated host:port list."),
        ("kafka.group_id", "parapet", "Consumer group."),
        ("kafka.group_instance_id", nil, "Static membership id (stable per instance, e.g. the pod name)."),
        ("kafka.input_topic", "parapet.events", "Events topic (keyed by session_id)."),
        ("kafka.alerts_topic", "parapet.alerts", "Alerts topic (key session_id, header alert_id)."),
        ("kafka.verdicts_topic", nil, "Per-event verdicts topic (off when unset)."),
        ("kafka.dead_letter_topic", "parapet.dead-letter", "Rejected records, with reason and origin."),
        ("kafka.delivery", "at_least_once", "at_least_once or exactly_once."),
        ("kafka.transactional_id", nil, "exactly_once: the producer's transactional.id (default parapet-<group>-<instance>)."),
        ("kafka.assignment_strategy", "cooperative-sticky", "partition.assignment.strategy."),
        ("kafka.commit_interval_ms", "1000", "How often offsets (or transactions) are committed."),
        ("processing.poll_batch", "2000", "Most records taken per poll."),
        ("processing.max_in_flight", "50000", "Unacknowledged outputs above which fetching pauses."),
        ("processing.max_restore_records", "1000000", "Most records re-read per partition to rebuild windows."),
        ("engine.max_sessions", "100000", "Live sessions per partition (least recently seen evicted first)."),
        ("engine.reclaim_lateness_seconds", "3600", "Extra event time before an idle session's memory is reclaimed."),
        ("engine.limits.max_turns", "48", "Turns kept per session."),
        ("engine.limits.max_bytes", "49152", "Bytes of turn text kept per session."),
        ("engine.limits.max_turn_text_bytes", "4096", "Bytes of text kept per turn."),
        ("engine.limits.idle_timeout_seconds", "21600", "A session idle this long (event time) starts over."),
        ("engine.limits.risk_half_life_turns", "4", "Half-life of the accumulated session risk, in user turns."),
        ("engine.limits.risk_floor", "0.2", "Part of a turn's risk below this does not accumulate."),
        ("engine.conversation_file", nil, "Conversation-detector thresholds and cue phrases (default: the bundled conversation.yaml)."),
        ("engine.refusals_file", nil, "Model-refusal phrases and scoring (default: PARAPET_REFUSALS, else the bundled refusals.yaml)."),
        ("engine.access.tor_exit_list", nil, "File of Tor exit addresses (one per line)."),
        ("engine.access.suspicious_ip_list", nil, "File of suspicious IP addresses or IPv4 CIDR blocks."),
        ("engine.access.user_agent_list", nil, "File of extra attack-tool user-agent substrings (added to the bundled list)."),
        ("engine.thresholds.jailbreak", "0.5", "Jailbreak score that raises an alert."),
        ("engine.thresholds.prompt_injection", "0.5", "Prompt-injection score that raises an alert."),
        ("engine.thresholds.indirect_injection", "0.5", "Indirect-injection score that raises an alert."),
        ("engine.thresholds.harm_low", "0.5", "Harm score of the low level."),
        ("engine.thresholds.harm_low_by_category.hate", nil, "Low level of the hate category (default: harm_low)."),
        ("engine.thresholds.harm_low_by_category.sexual", nil, "Low level of the sexual category (default: harm_low)."),
        ("engine.thresholds.harm_low_by_category.violence", nil, "Low level of the violence category (default: harm_low)."),
        ("engine.thresholds.harm_low_by_category.self_harm", nil, "Low level of the self_harm category (default: harm_low)."),
        ("engine.thresholds.harm_low_by_category.illicit", "0.45", "Low level of the illicit category (its ordinary-prompt scores sit lower than the other heads')."),
        ("engine.thresholds.harm_medium", "0.7", "Harm score of the medium level."),
        ("engine.thresholds.harm_high", "0.9", "Harm score of the high level."),
        ("engine.thresholds.harm_alert_level", "low", "Lowest harm level that raises an alert."),
        ("engine.thresholds.attack_high", "0.9", "Attack score at which severity becomes high."),
        ("engine.thresholds.framed_ask", "0.3", "Rule-named jailbreak frame and harm or hazardous-subject score, both at least this, raise jailbreak.direct (1: off)."),
        ("engine.thresholds.jailbreak_uncorroborated", "0.9", "Jailbreak classifier score that alerts with no rule, encoding or harm evidence (set to the jailbreak threshold to let the classifier alert alone)."),
        ("engine.alerts.evidence_text", "redacted", "redacted, full or none."),
        ("engine.alerts.excerpt_context", "120", "Characters of context around a match."),
        ("engine.alerts.max_evidence", "24", "Evidence entries per alert."),
        ("engine.alerts.suppression_window_seconds", "3600", "Gap that opens a new incident."),
        ("http.host", "0.0.0.0", "Address of the /metrics, /healthz and /readyz server."),
        ("http.port", "9464", "Port of the HTTP server (0: off)."),
        ("log.level", "info", "trace, debug, info, notice, warning, error, critical."),
        ("log.format", "text", "text or json."),
    ]

    /// Keys under which any librdkafka property may be given (`kafka.properties.sasl.mechanism: PLAIN`).
    public static let passThroughPrefixes = ["kafka.properties.", "kafka.consumer.", "kafka.producer."]
    /// Per-app threshold overrides: `engine.apps.<app name>.thresholds.<threshold>`.
    public static let appPrefix = "engine.apps."

    public static func defaults() -> ConfigLayers {
        var c = ConfigLayers()
        for k in known { if let d = k.defaultValue { c.values[k.key] = Value(value: d, source: "default") } }
        return c
    }

    public mutating func set(_ key: String, _ value: String, source: String) throws {
        try Self.checkKnown(key, source: source)
        values[key] = Value(value: value, source: source)
    }

    static func checkKnown(_ key: String, source: String) throws {
        if known.contains(where: { $0.key == key }) { return }
        if passThroughPrefixes.contains(where: { key.hasPrefix($0) && key.count > $0.count }) { return }
        if key.hasPrefix(appPrefix) {
            let rest = key.dropFirst(appPrefix.count)
            if let r = rest.range(of: ".thresholds."),
               known.contains(where: { $0.key == "engine.thresholds." + rest[r.upperBound...] }) { return }
        }
        throw ConfigError(key: key, reason: "unknown key", source: source)
    }

    /// Adds a YAML file (nested maps flatten to dotted keys).
    public mutating func addYAML(_ text: String, source: String) throws {
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch {
            throw ConfigError(key: "(file)", reason: "not valid YAML: \(error)", source: source)
        }
        guard let node else { return }
        guard let map = node as? [String: Any] else {
            throw ConfigError(key: "(file)", reason: "the top level must be a map", source: source)
        }
        var flat: [(String, String)] = []
        try Self.flatten(map, prefix: "", into: &flat, source: source)
        for (k, v) in flat { try set(k, v, source: source) }
    }

    public mutating func addFile(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: "--config", reason: "cannot read \(path)")
        }
        try addYAML(String(decoding: data, as: UTF8.self), source: path)
    }

    private static func flatten(_ map: [String: Any], prefix: String, into out: inout [(String, String)], source: String) throws {
        for (k, v) in map.sorted(by: { $0.key < $1.key }) {
            let key = prefix.isEmpty ? k : prefix + "." + k
            switch v {
            case let m as [String: Any]: try flatten(m, prefix: key, into: &out, source: source)
            case is [Any]: throw ConfigError(key: key, reason: "lists are not supported here", source: source)
            case is NSNull: continue
            case let b as Bool: out.append((key, b ? "true" : "false"))
            case let i as Int: out.append((key, String(i)))
            case let d as Double: out.append((key, String(d)))
            default: out.append((key, "\(v)"))
            }
        }
    }

    /// `PARAPET_KAFKA_BOOTSTRAP_SERVERS` -> `kafka.bootstrap_servers`; `PARAPET_KAFKA_PROPERTY_SASL_PASSWORD` ->
    /// `kafka.properties.sasl.password` (a double underscore is a literal one: `..._LOG__LEVEL` -> `log_level`; also `PARAPET_KAFKA_CONSUMER_PROPERTY_...`, `..._PRODUCER_PROPERTY_...`).
    /// Variables read directly by the detection stage (`StandardDetectors`), not configuration keys.
    public static let detectionOverrides: Set<String> = ["PARAPET_MODEL", "PARAPET_RULE_PACKS", "PARAPET_URL_BLOCKLIST",
                                                         "PARAPET_REFUSALS"]

    public mutating func addEnvironment(_ env: [String: String]) throws {
        let byEnvName = Dictionary(uniqueKeysWithValues: Self.known.map { (Self.envName($0.key), $0.key) })
        let pass = [("PARAPET_KAFKA_PROPERTY_", "kafka.properties."), ("PARAPET_KAFKA_CONSUMER_PROPERTY_", "kafka.consumer."),
                    ("PARAPET_KAFKA_PRODUCER_PROPERTY_", "kafka.producer.")]
        for (name, value) in env.sorted(by: { $0.key < $1.key }) where name.hasPrefix("PARAPET_") {
            if let key = byEnvName[name] {
                try set(key, value, source: "env \(name)")
            } else if let (p, prefix) = pass.first(where: { name.hasPrefix($0.0) }) {
                let prop = name.dropFirst(p.count).lowercased().replacingOccurrences(of: "__", with: "\u{0}")
                    .replacingOccurrences(of: "_", with: ".").replacingOccurrences(of: "\u{0}", with: "_")
                guard !prop.isEmpty else { continue }
                try set(prefix + prop, value, source: "env \(name)")
            } else if name.hasPrefix("PARAPET_TEST_") || Self.detectionOverrides.contains(name) {
                continue  // test-suite settings; model and rule-pack overrides read by the detection stage
            } else {
                throw ConfigError(key: name, reason: "unknown PARAPET_ environment variable", source: "environment")
            }
        }
    }

    public static func envName(_ key: String) -> String {
        "PARAPET_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// `key=value` from `--set`.
    public mutating func addAssignment(_ text: String, source: String = "--set") throws {
        guard let eq = text.firstIndex(of: "=") else {
            throw ConfigError(key: text, reason: "expected key=value", source: source)
        }
        try set(String(text[..<eq]).trimmingCharacters(in: .whitespaces), String(text[text.index(after: eq)...]), source: source)
    }

    public func string(_ key: String) -> String? { values[key]?.value }

    public static func isSecret(_ key: String) -> Bool {
        let k = key.lowercased()
        return ["password", "secret", "token", "jaas", "key.pem", "oauthbearer.config", "credential", "private"]
            .contains { k.contains($0) }
    }

    /// The effective configuration, one `key: value  # source` per line, secrets masked.
    public func render() -> String {
        values.sorted { $0.key < $1.key }.map { k, v in
            let shown = Self.isSecret(k) ? "********" : v.value
            return "\(k): \(shown)  # \(v.source)"
        }.joined(separator: "\n")
    }
}

/// The typed configuration of `parapet run` (and the engine part, for `parapet replay --config`).
public struct ParapetConfig: Sendable {
    public var processor: KafkaProcessorSettings
    public var engine: EngineConfiguration
    public var httpHost: String
    public var httpPort: Int
    public var logLevel: String
    public var logFormat: String

    public init(_ c: ConfigLayers) throws {
        func req(_ k: String) throws -> String {
            guard let v = c.values[k]?.value, !v.isEmpty else { throw ConfigError(key: k, reason: "required (set it in the file, \(ConfigLayers.envName(k)) or a flag)") }
            return v
        }
        func str(_ k: String) -> String? { c.values[k].flatMap { $0.value.isEmpty ? nil : $0.value } }
        func src(_ k: String) -> String? { c.values[k]?.source }
        func int(_ k: String, _ range: ClosedRange<Int>) throws -> Int {
            let s = try req(k)
            guard let v = Int(s) else { throw ConfigError(key: k, reason: "must be an integer (got '\(s)')", source: src(k)) }
            guard range.contains(v) else {
                throw ConfigError(key: k, reason: "must be between \(range.lowerBound) and \(range.upperBound) (got \(v))", source: src(k))
            }
            return v
        }
        func dbl(_ k: String, _ range: ClosedRange<Double>) throws -> Double {
            let s = try req(k)
            guard let v = Double(s), v.isFinite else { throw ConfigError(key: k, reason: "must be a number (got '\(s)')", source: src(k)) }
            guard range.contains(v) else {
                throw ConfigError(key: k, reason: "must be between \(range.lowerBound) and \(range.upperBound) (got \(v))", source: src(k))
            }
            return v
        }
        func oneOf(_ k: String, _ allowed: [String]) throws -> String {
            let s = try req(k)
            guard allowed.contains(s) else {
                throw ConfigError(key: k, reason: "must be one of \(allowed.joined(separator: ", ")) (got '\(s)')", source: src(k))
            }
            return s
        }
        func thresholds(_ prefix: String, base: DetectionThresholds) throws -> DetectionThresholds {
            var t = base
            func th(_ name: String, _ into: WritableKeyPath<DetectionThresholds, Double>) throws {
                let k = prefix + name
                if c.values[k] != nil { t[keyPath: into] = try dbl(k, 0...1) }
            }
            try th("jailbreak", \.jailbreak)
            try th("prompt_injection", \.promptInjection)
            try th("indirect_injection", \.indirectInjection)
            try th("harm_low", \.harmLow)
            try th("harm_medium", \.harmMedium)
            try th("harm_high", \.harmHigh)
            try th("attack_high", \.attackHigh)
            try th("framed_ask", \.framedAsk)
            try th("jailbreak_uncorroborated", \.jailbreakUncorroborated)
            let lk = prefix + "harm_alert_level"
            if c.values[lk] != nil {
                let allowed = ["low", "medium", "high"]
                let s = try oneOf(lk, allowed)
                guard let level = HarmLevel(rawValue: s) else { throw ConfigError(key: lk, reason: "unknown level '\(s)'", source: src(lk)) }
                t.harmAlertLevel = level
            }
            guard t.harmLow <= t.harmMedium, t.harmMedium <= t.harmHigh else {
                throw ConfigError(key: prefix + "harm_medium", reason: "harm levels must satisfy harm_low <= harm_medium <= harm_high")
            }
            // A harm_low the deployment sets (here, or for this app) is meant for every category: category bounds
            // that come from the shipped defaults or from a wider level give way to it, and only category keys set
            // beside it apply.
            let harmLowSet = c.values[prefix + "harm_low"].map { $0.source != "default" } ?? false
            if harmLowSet { t.harmLowByCategory = Array(repeating: nil, count: HarmCategory.allCases.count) }
            for category in HarmCategory.allCases {
                let k = prefix + "harm_low_by_category." + category.rawValue
                guard let value = c.values[k], !(harmLowSet && value.source == "default") else { continue }
                let low = try dbl(k, 0...1)
                guard low <= t.harmMedium else {
                    throw ConfigError(key: k, reason: "must not exceed harm_medium (\(t.harmMedium))", source: src(k))
                }
                t.harmLowByCategory[category.index] = low
            }
            return t
        }

        var engine = EngineConfiguration()
        engine.maxSessions = try int("engine.max_sessions", 1...100_000_000)
        engine.reclaimLatenessSeconds = try dbl("engine.reclaim_lateness_seconds", 0...1e9)
        engine.limits.maxTurns = try int("engine.limits.max_turns", 1...100_000)
        engine.limits.maxBytes = try int("engine.limits.max_bytes", 64...1 << 30)
        engine.limits.maxTurnTextBytes = try int("engine.limits.max_turn_text_bytes", 16...1 << 30)
        engine.limits.idleTimeoutSeconds = try dbl("engine.limits.idle_timeout_seconds", 1...1e9)
        engine.limits.riskHalfLifeTurns = try dbl("engine.limits.risk_half_life_turns", 0.5...1e6)
        engine.limits.riskFloor = try dbl("engine.limits.risk_floor", 0...1)
        if let file = str("engine.conversation_file") {
            do {
                engine.conversationSettings = try ConversationSettings.load(file: file)
            } catch {
                throw ConfigError(key: "engine.conversation_file", reason: "\(error)", source: c.values["engine.conversation_file"]?.source ?? "")
            }
        }
        if let file = str("engine.refusals_file") {
            do {
                engine.refusalPhrases = try RefusalPhrases.load(file: file)
            } catch {
                throw ConfigError(key: "engine.refusals_file", reason: "\(error)", source: src("engine.refusals_file"))
            }
        }
        for (key, kind) in [("engine.access.tor_exit_list", 0), ("engine.access.suspicious_ip_list", 1), ("engine.access.user_agent_list", 2)] {
            guard let file = str(key) else { continue }
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw ConfigError(key: key, reason: "cannot read \(file): \(error.localizedDescription)", source: c.values[key]?.source ?? "")
            }
            switch kind {
            case 0: engine.accessLists.addIPs(fromList: text, suspicious: false)
            case 1: engine.accessLists.addIPs(fromList: text, suspicious: true)
            default: engine.accessLists.addUserAgents(fromList: text)
            }
        }
        let defaults = try thresholds("engine.thresholds.", base: DetectionThresholds())
        var perApp: [String: DetectionThresholds] = [:]
        let apps = Set(c.values.keys.filter { $0.hasPrefix(ConfigLayers.appPrefix) }.compactMap { k -> String? in
            let rest = k.dropFirst(ConfigLayers.appPrefix.count)
            return rest.range(of: ".thresholds.").map { String(rest[..<$0.lowerBound]) }
        })
        for app in apps.sorted() {
            perApp[app] = try thresholds(ConfigLayers.appPrefix + app + ".thresholds.", base: defaults)
        }
        engine.policy = DetectionPolicy(defaults: defaults, perApp: perApp)
        let et = try oneOf("engine.alerts.evidence_text", EvidenceText.allCases.map(\.rawValue))
        engine.alerts.evidenceText = EvidenceText(rawValue: et) ?? .redacted
        engine.alerts.excerptContext = try int("engine.alerts.excerpt_context", 0...10_000)
        engine.alerts.maxEvidence = try int("engine.alerts.max_evidence", 1...10_000)
        engine.alerts.suppressionWindowSeconds = try dbl("engine.alerts.suppression_window_seconds", 0...1e9)
        self.engine = engine

        var p = KafkaProcessorSettings(bootstrapServers: str("kafka.bootstrap_servers") ?? "",
                                       groupID: try req("kafka.group_id"), inputTopic: try req("kafka.input_topic"),
                                       alertsTopic: try req("kafka.alerts_topic"))
        p.groupInstanceID = str("kafka.group_instance_id")
        p.verdictsTopic = str("kafka.verdicts_topic")
        p.deadLetterTopic = str("kafka.dead_letter_topic")
        p.delivery = DeliveryMode(rawValue: try oneOf("kafka.delivery", DeliveryMode.allCases.map(\.rawValue))) ?? .atLeastOnce
        p.transactionalID = str("kafka.transactional_id")
        p.assignmentStrategy = try req("kafka.assignment_strategy")
        p.commitIntervalMillis = try int("kafka.commit_interval_ms", 10...600_000)
        p.pollBatch = try int("processing.poll_batch", 1...1_000_000)
        p.maxInFlight = try int("processing.max_in_flight", 10...10_000_000)
        p.maxRestoreRecords = Int64(try int("processing.max_restore_records", 0...Int(Int32.max)))
        for (prefix, path) in [("kafka.properties.", \KafkaProcessorSettings.properties),
                               ("kafka.consumer.", \KafkaProcessorSettings.consumerProperties),
                               ("kafka.producer.", \KafkaProcessorSettings.producerProperties)] {
            for (k, v) in c.values where k.hasPrefix(prefix) { p[keyPath: path][String(k.dropFirst(prefix.count))] = v.value }
        }
        if p.delivery == .exactlyOnce, p.groupInstanceID == nil, p.transactionalID == nil {
            throw ConfigError(key: "kafka.transactional_id",
                              reason: "exactly_once needs a stable transactional id: set kafka.transactional_id or kafka.group_instance_id")
        }
        p.engine = engine
        processor = p
        httpHost = try req("http.host")
        httpPort = try int("http.port", 0...65535)
        logLevel = try oneOf("log.level", ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        logFormat = try oneOf("log.format", ["text", "json"])
    }

    /// Checks that librdkafka accepts every property (unknown or invalid property names fail here, not later).
    public func validateKafkaProperties() throws {
        for (label, props) in [("kafka.consumer", processor.effectiveConsumerProperties),
                               ("kafka.producer", processor.effectiveProducerProperties)] {
            do { try props.validate() } catch let e as KafkaError {
                throw ConfigError(key: label, reason: e.message)
            }
        }
    }
}

extension ParapetConfig {
    /// The engine settings from a config file (plus PARAPET_* environment), for `parapet replay --config FILE`.
    public static func engineConfiguration(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> EngineConfiguration {
        var c = ConfigLayers.defaults()
        if let file { try c.addFile(file) }
        try c.addEnvironment(environment)
        return try ParapetConfig(c).engine
    }
}
