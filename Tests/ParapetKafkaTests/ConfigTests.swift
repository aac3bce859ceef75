import Foundation
import ParapetCore
import ParapetDetect
import ParapetKafka
import ParapetSession
import ParapetPipeline
import Testing

@Suite("Configuration: file < environment < flags")
struct ConfigTests {
    let yaml = """
        kafka:
          bootstrap_servers: file:9092
          group_id: from-file
          commit_interval_ms: 500
          properties:
            sasl.mechanism: PLAIN
            sasl.password: hunter2
        engine:
          max_sessions: 1234
          thresholds:
            jailbreak: 0.7
            framed_ask: 0.45
            jailbreak_uncorroborated: 0.8
          apps:
            support-bot:
              thresholds:
                jailbreak: 0.4
          limits:
            max_turns: 10
        """

    @Test func precedence() throws {
        var c = ConfigLayers.defaults()
        try c.addYAML(yaml, source: "test.yaml")
        try c.addEnvironment(["PARAPET_KAFKA_GROUP_ID": "from-env", "PARAPET_KAFKA_BOOTSTRAP_SERVERS": "env:9092",
                              "PARAPET_KAFKA_PROPERTY_SSL_CA_LOCATION": "/etc/ca.pem", "PARAPET_KAFKA_PROPERTY_LOG__LEVEL": "4",
                              "HOME": "/root"])
        try c.set("kafka.bootstrap_servers", "flag:9092", source: "flag")
        let cfg = try ParapetConfig(c)
        #expect(cfg.processor.bootstrapServers == "flag:9092")
        #expect(cfg.processor.groupID == "from-env")
        #expect(cfg.processor.commitIntervalMillis == 500)
        #expect(cfg.processor.properties["sasl.mechanism"] == "PLAIN")
        #expect(cfg.processor.properties["ssl.ca.location"] == "/etc/ca.pem")
        #expect(cfg.processor.properties["log_level"] == "4")
        #expect(cfg.engine.maxSessions == 1234)
        #expect(cfg.engine.limits.maxTurns == 10)
        #expect(cfg.engine.policy.defaults.jailbreak == 0.7)
        #expect(cfg.engine.policy.perApp["support-bot"]?.jailbreak == 0.4)
        #expect(cfg.engine.policy.defaults.framedAsk == 0.45)
        #expect(cfg.engine.policy.perApp["support-bot"]?.framedAsk == 0.45)  // an app inherits the defaults
        #expect(cfg.engine.policy.defaults.jailbreakUncorroborated == 0.8)
        #expect(cfg.processor.effectiveConsumerProperties["sasl.mechanism"] == "PLAIN")
        #expect(cfg.processor.effectiveConsumerProperties["enable.auto.commit"] == "false")
        let shown = c.render()
        #expect(!shown.contains("hunter2"))
        #expect(shown.contains("kafka.properties.sasl.password: ********"))
        #expect(shown.contains("kafka.group_id: from-env  # env PARAPET_KAFKA_GROUP_ID"))
    }

    @Test func harmLowPerCategory() throws {
        let shipped = try ParapetConfig(ConfigLayers.defaults()).engine.policy.defaults
        #expect(shipped == DetectionThresholds())  // the configuration's defaults are the code's
        // What follows checks that a shipped category bound gives way; it needs one to exist.
        let shippedIllicit = try #require(shipped.harmLowByCategory[HarmCategory.illicit.index])
        var c = ConfigLayers.defaults()
        try c.addYAML("""
            engine:
              thresholds:
                harm_low: 0.6
                harm_low_by_category: {violence: 0.55}
              apps:
                kids:
                  thresholds:
                    harm_low_by_category: {sexual: 0.2, illicit: 0.3}
            """, source: "t.yaml")
        let policy = try ParapetConfig(c).engine.policy
        #expect(policy.defaults.harmLow(for: .violence) == 0.55)  // set beside harm_low
        #expect(policy.defaults.harmLow(for: .hate) == 0.6)  // no key of its own: harm_low
        #expect(policy.defaults.harmLow(for: .illicit) == 0.6)  // the shipped bound gives way to the deployment's harm_low
        let kids = try #require(policy.perApp["kids"])
        #expect(kids.harmLow(for: .sexual) == 0.2)
        #expect(kids.harmLow(for: .illicit) == 0.3)
        #expect(kids.harmLow(for: .violence) == 0.55)  // inherited from the defaults
        #expect(kids.level(forHarm: 0.25, in: .sexual) == .low)
        #expect(kids.level(forHarm: 0.25, in: .hate) == .safe)

        // Without a harm_low of its own the deployment keeps the shipped illicit bound; an app that sets harm_low
        // means it for every category, inherited category bounds included.
        var d = ConfigLayers.defaults()
        try d.addYAML("""
            engine:
              thresholds:
                harm_low_by_category: {violence: 0.55}
              apps:
                strict:
                  thresholds:
                    harm_low: 0.3
                    harm_low_by_category: {hate: 0.25}
            """, source: "d.yaml")
        let p2 = try ParapetConfig(d).engine.policy
        #expect(p2.defaults.harmLow(for: .illicit) == shippedIllicit)
        let strict = try #require(p2.perApp["strict"])
        #expect(strict.harmLow(for: .illicit) == 0.3)
        #expect(strict.harmLow(for: .violence) == 0.3)
        #expect(strict.harmLow(for: .hate) == 0.25)

        var unknown = ConfigLayers.defaults()
        #expect(throws: ConfigError.self) {
            try unknown.addYAML("engine:\n  thresholds:\n    harm_low_by_category: {weapons: 0.4}\n", source: "u.yaml")
        }
        for (value, reason) in [("1.2", "must be between 0.0 and 1.0"), ("0.8", "must not exceed harm_medium")] {
            var bad = ConfigLayers.defaults()
            try bad.set("engine.thresholds.harm_low_by_category.hate", value, source: "flag")
            do {
                _ = try ParapetConfig(bad)
                Issue.record("harm_low_by_category.hate \(value) was accepted")
            } catch let e as ConfigError {
                #expect(e.key == "engine.thresholds.harm_low_by_category.hate")
                #expect(e.description.contains(reason))
            }
        }
    }

    @Test func errorsNameTheKey() throws {
        var c = ConfigLayers.defaults()
        try c.addEnvironment(["PARAPET_KAFKA_COMMIT_INTERVAL_MS": "soon"])
        #expect(throws: ConfigError.self) { try ParapetConfig(c) }
        do { _ = try ParapetConfig(c) } catch let e as ConfigError {
            #expect(e.key == "kafka.commit_interval_ms")
            #expect(e.description.contains("must be an integer"))
            #expect(e.description.contains("PARAPET_KAFKA_COMMIT_INTERVAL_MS"))
        }
        var d = ConfigLayers.defaults()
        #expect(throws: ConfigError.self) { try d.addYAML("kafka:\n  bootstrap_server: x\n", source: "f.yaml") }
        var e = ConfigLayers.defaults()
        try e.set("engine.thresholds.jailbreak", "1.5", source: "flag")
        #expect(throws: ConfigError.self) { try ParapetConfig(e) }
        var g = ConfigLayers.defaults()
        try g.set("engine.thresholds.framed_ask", "2", source: "flag")
        #expect(throws: ConfigError.self) { try ParapetConfig(g) }
        var f = ConfigLayers.defaults()
        try f.set("kafka.properties.no.such.property", "1", source: "flag")
        try f.set("kafka.bootstrap_servers", "localhost:9092", source: "flag")
        let cfg = try ParapetConfig(f)
        #expect(throws: ConfigError.self) { try cfg.validateKafkaProperties() }
    }

    @Test func commitMetadataRoundTrip() {
        let m = KafkaCommitMetadata(restoreFrom: 42, streamTime: 1_000_000)
        #expect(m.bytes.count < 100)
        #expect(KafkaCommitMetadata(bytes: m.bytes) == m)
        #expect(KafkaCommitMetadata(bytes: Array("garbage".utf8)) == nil)
    }
}
