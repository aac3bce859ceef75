import Foundation
import ParapetPipeline
import Testing
import Yams

/// Keeps the deployment files (Deploy/: Dockerfile, compose, Kubernetes manifests, example configurations) in step
/// with the program: they are parsed, their configurations go through Parapet's own loader and validation, and
/// what they say about the program (command, port, probe paths, topics, resource bundles) is checked against it.
/// No network, no Docker, no Kubernetes.
@Suite("Deploy files")
struct DeployFilesTests {
    // MARK: - Files

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let deploy = root.appendingPathComponent("Deploy")
    static let k8s = deploy.appendingPathComponent("k8s")
    static let examples = deploy.appendingPathComponent("examples")

    /// Placeholder credentials, as the StatefulSet or an operator would provide them through the environment.
    static let saslEnvironment = [
        "PARAPET_KAFKA_PROPERTY_SASL_USERNAME": "placeholder-user",
        "PARAPET_KAFKA_PROPERTY_SASL_PASSWORD": "placeholder-password",
    ]

    static func read(_ url: URL) throws -> String {
        try String(contentsOf: url, encoding: .utf8)
    }

    /// Every `.yaml`/`.yml` file under Deploy/, recursively, sorted.
    static func yamlFiles() throws -> [URL] {
        let e = try #require(FileManager.default.enumerator(at: deploy, includingPropertiesForKeys: nil))
        var out: [URL] = []
        for case let url as URL in e where ["yaml", "yml"].contains(url.pathExtension) { out.append(url) }
        return out.sorted { $0.path < $1.path }
    }

    /// All documents of a (possibly multi-document) YAML text; empty documents are skipped. Errors are thrown, not
    /// swallowed (Yams' sequence stops silently on an error and keeps it in `error`).
    static func documents(_ text: String) throws -> [Any] {
        var seq = try Yams.load_all(yaml: text)
        var docs: [Any] = []
        while let d = seq.next() {
            if !(d is NSNull) { docs.append(d) }
        }
        if let error = seq.error { throw error }
        return docs
    }

    static func k8sObjects() throws -> [(file: String, object: [String: Any])] {
        var out: [(String, [String: Any])] = []
        for url in try yamlFiles() where url.path.hasPrefix(k8s.path + "/") {
            for d in try documents(try read(url)) {
                let map = try #require(d as? [String: Any], "\(url.lastPathComponent): a document is not a map")
                out.append((url.lastPathComponent, map))
            }
        }
        return out
    }

    static func object(kind: String) throws -> [String: Any] {
        let all = try k8sObjects().filter { $0.object["kind"] as? String == kind }
        try #require(all.count == 1, "expected exactly one \(kind) in Deploy/k8s, found \(all.count)")
        return all[0].object
    }

    /// `a.b.c` in nested maps.
    static func at(_ node: Any?, _ path: String) -> Any? {
        var cur = node
        for part in path.split(separator: ".") { cur = (cur as? [String: Any])?[String(part)] }
        return cur
    }

    static func str(_ node: Any?, _ path: String) -> String? {
        switch at(node, path) {
        case let s as String: s
        case let i as Int: String(i)
        case let b as Bool: b ? "true" : "false"
        default: nil
        }
    }

    static func list(_ node: Any?, _ path: String) -> [Any] { at(node, path) as? [Any] ?? [] }

    /// Loads a configuration the way `parapet run` does (defaults < file < environment) and validates it completely:
    /// typed configuration, librdkafka properties, and the bootstrap servers `run` requires.
    static func loadConfig(yaml: String, source: String, environment: [String: String] = [:]) throws
        -> (layers: ConfigLayers, config: ParapetConfig) {
        var layers = ConfigLayers.defaults()
        try layers.addYAML(yaml, source: source)
        try layers.addEnvironment(environment)
        let config = try ParapetConfig(layers)
        try config.validateKafkaProperties()
        #expect(!config.processor.bootstrapServers.isEmpty, "\(source): kafka.bootstrap_servers is required by parapet run")
        return (layers, config)
    }

    static func configMapConfig() throws -> String {
        let cm = try object(kind: "ConfigMap")
        return try #require(str(cm, "data.parapet.yaml") ?? (at(cm, "data") as? [String: Any])?["parapet.yaml"] as? String,
                            "the ConfigMap has no parapet.yaml")
    }

    static func container() throws -> [String: Any] {
        let sts = try object(kind: "StatefulSet")
        let containers = list(sts, "spec.template.spec.containers")
        let c = try #require(containers.compactMap { $0 as? [String: Any] }.first { $0["name"] as? String == "parapet" },
                             "the StatefulSet has no container named parapet")
        return c
    }

    /// The PARAPET_* variables the StatefulSet sets, with placeholder values (as Kubernetes would resolve them).
    static func workloadEnvironment() throws -> [String: String] {
        var env: [String: String] = [:]
        for case let e as [String: Any] in list(try container(), "env") {
            let name = try #require(e["name"] as? String)
            if let v = e["value"] as? String { env[name] = v } else if at(e, "valueFrom.fieldRef") != nil {
                env[name] = "parapet-0"
            } else {
                env[name] = "placeholder"
            }
        }
        return env
    }

    // MARK: - Every YAML file parses

    @Test func everyYAMLFileUnderDeployParses() throws {
        let files = try Self.yamlFiles()
        let names = Set(files.map { $0.path.replacingOccurrences(of: Self.deploy.path + "/", with: "") })
        for expected in ["docker-compose.yml", "k8s/kustomization.yaml", "k8s/statefulset.yaml", "k8s/configmap.yaml",
                         "examples/local.yaml", "examples/sasl-ssl-cloud.yaml", "examples/exactly-once.yaml"] {
            #expect(names.contains(expected), "Deploy/\(expected) is missing")
        }
        for url in files {
            let docs = try Self.documents(try Self.read(url))
            #expect(!docs.isEmpty, "\(url.lastPathComponent) holds no YAML document")
            for d in docs { #expect(d is [String: Any], "\(url.lastPathComponent): top level is not a map") }
        }
    }

    // MARK: - Kubernetes

    @Test func kubernetesObjectsHaveTheExpectedKinds() throws {
        let objects = try Self.k8sObjects()
        let kinds = objects.compactMap { $0.object["kind"] as? String }
        #expect(kinds.count == objects.count, "every Kubernetes document needs a kind")
        #expect(Set(kinds) == ["Namespace", "ConfigMap", "Secret", "StatefulSet", "Service", "PodDisruptionBudget",
                               "Kustomization"])
        #expect(kinds.count == Set(kinds).count, "one object of each kind expected: \(kinds.sorted())")

        let namespace = try #require(Self.str(try Self.object(kind: "Namespace"), "metadata.name"))
        for (file, o) in objects where !["Namespace", "Kustomization"].contains(o["kind"] as? String) {
            #expect(Self.str(o, "apiVersion") != nil, "\(file): apiVersion")
            #expect(Self.str(o, "metadata.name") != nil, "\(file): metadata.name")
            #expect(Self.str(o, "metadata.namespace") == namespace, "\(file): not in namespace \(namespace)")
        }
        #expect(Self.str(try Self.object(kind: "Kustomization"), "namespace") == namespace)
    }

    @Test func kustomizationListsTheManifestsButNotTheSecretExample() throws {
        let k = try Self.object(kind: "Kustomization")
        let resources = Self.list(k, "resources").compactMap { $0 as? String }
        for r in resources {
            #expect(FileManager.default.fileExists(atPath: Self.k8s.appendingPathComponent(r).path), "kustomization: \(r) does not exist")
        }
        // Placeholders must never overwrite the real Secret through `kubectl apply -k`.
        #expect(!resources.contains("secret-example.yaml"))
        let manifests = try Self.yamlFiles().filter { $0.path.hasPrefix(Self.k8s.path + "/") }.map(\.lastPathComponent)
        for m in manifests where !["kustomization.yaml", "secret-example.yaml"].contains(m) {
            #expect(resources.contains(m), "\(m) is not listed in kustomization.yaml")
        }
        // The image placeholder of the StatefulSet is what kustomize rewrites.
        let image = try #require(Self.str(try Self.container(), "image"))
        let names = Self.list(k, "images").compactMap { Self.str($0, "name") }
        #expect(names.contains(String(image.split(separator: ":")[0])), "kustomization images: do not rewrite \(image)")
    }

    @Test func statefulSetRunsTheProgramWithTheConfigMap() throws {
        let sts = try Self.object(kind: "StatefulSet")
        let c = try Self.container()
        let command = (c["command"] as? [Any])?.compactMap { $0 as? String }
        #expect(command == nil || command == ["parapet"], "container command: \(String(describing: command))")
        let args = (c["args"] as? [Any])?.compactMap { $0 as? String } ?? []
        #expect(args.first == "run", "the container must run `parapet run`")
        let configIndex = try #require(args.firstIndex(of: "--config"), "args lack --config")
        let configPath = try #require(args.dropFirst(configIndex + 1).first)

        // --config points into a mount of the ConfigMap, at its parapet.yaml key.
        let mounts = Self.list(c, "volumeMounts").compactMap { $0 as? [String: Any] }
        let dir = (configPath as NSString).deletingLastPathComponent
        let mount = try #require(mounts.first { Self.str($0, "mountPath") == dir }, "no volume mounted at \(dir)")
        let volumes = Self.list(sts, "spec.template.spec.volumes").compactMap { $0 as? [String: Any] }
        let volume = try #require(volumes.first { Self.str($0, "name") == Self.str(mount, "name") })
        let cm = try Self.object(kind: "ConfigMap")
        #expect(Self.str(volume, "configMap.name") == Self.str(cm, "metadata.name"))
        let items = Self.list(volume, "configMap.items").compactMap { $0 as? [String: Any] }
        let fileName = (configPath as NSString).lastPathComponent
        let key = items.first { Self.str($0, "path") == fileName }.flatMap { Self.str($0, "key") } ?? fileName
        #expect((cm["data"] as? [String: Any])?[key] is String, "ConfigMap key \(key) (mounted as \(configPath)) is missing")

        // The StatefulSet is governed by the headless Service.
        let svc = try Self.object(kind: "Service")
        #expect(Self.str(sts, "spec.serviceName") == Self.str(svc, "metadata.name"))
        #expect(Self.str(svc, "spec.clusterIP") == "None")
        let podLabels = try #require(Self.at(sts, "spec.template.metadata.labels") as? [String: Any])
        for selector in [Self.at(sts, "spec.selector.matchLabels"), Self.at(svc, "spec.selector"),
                         Self.at(try Self.object(kind: "PodDisruptionBudget"), "spec.selector.matchLabels")] {
            let s = try #require(selector as? [String: Any], "missing selector")
            for (k, v) in s { #expect(podLabels[k] as? String == v as? String, "selector \(k)=\(v) does not select the pods") }
        }
    }

    @Test func portsAndProbesMatchTheProgram() throws {
        let (_, config) = try Self.loadConfig(yaml: try Self.configMapConfig(), source: "ConfigMap parapet-config",
                                              environment: try Self.workloadEnvironment())
        let c = try Self.container()
        let ports = Self.list(c, "ports").compactMap { $0 as? [String: Any] }
        let metrics = try #require(ports.first { Self.str($0, "name") == "metrics" }, "no port named metrics")
        #expect(Self.str(metrics, "containerPort") == String(config.httpPort), "containerPort != the config's http.port")
        #expect(config.httpPort == 9464)

        // The probe paths are routes the program serves: /readyz (ready) and /healthz (alive).
        let routes = KafkaOpsServer.routes(metrics: KafkaMetrics()) { true }
        for (probe, path) in [("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")] {
            #expect(Self.str(c, "\(probe).httpGet.path") == path, "\(probe) path")
            let port = Self.str(c, "\(probe).httpGet.port")
            #expect(port == "metrics" || port == String(config.httpPort), "\(probe) port \(String(describing: port))")
            #expect(routes(path).status == 200, "the program does not serve \(path)")
        }
        #expect(KafkaOpsServer.routes(metrics: KafkaMetrics()) { false }("/readyz").status == 503)

        // The metrics Service and its Prometheus annotations point at the same port.
        let svc = try Self.object(kind: "Service")
        let svcPorts = Self.list(svc, "spec.ports").compactMap { $0 as? [String: Any] }
        #expect(svcPorts.contains { Self.str($0, "port") == String(config.httpPort) && Self.str($0, "targetPort") == "metrics" })
        let annotations = try #require(Self.at(svc, "metadata.annotations") as? [String: Any])
        #expect(annotations["prometheus.io/scrape"] as? String == "true")
        #expect(annotations["prometheus.io/port"] as? String == String(config.httpPort))
        #expect(annotations["prometheus.io/path"] as? String == "/metrics")
        #expect(routes("/metrics").status == 200)
    }

    @Test func statefulSetEnvironmentIsAcceptedAndGivesStaticMembership() throws {
        let c = try Self.container()
        let env = Self.list(c, "env").compactMap { $0 as? [String: Any] }
        // Only names the loader knows: an unknown PARAPET_ variable stops `parapet run`.
        var probe = ConfigLayers.defaults()
        try probe.addEnvironment(try Self.workloadEnvironment())
        #expect(probe.string("kafka.group_instance_id") == "parapet-0")

        let instance = try #require(env.first { Self.str($0, "name") == ConfigLayers.envName("kafka.group_instance_id") },
                                    "PARAPET_KAFKA_GROUP_INSTANCE_ID is not set")
        #expect(Self.str(instance, "valueFrom.fieldRef.fieldPath") == "metadata.name", "group.instance.id must be the pod name")

        // The credentials come from the Secret whose example ships in Deploy/k8s (same name, same keys).
        let secret = try Self.object(kind: "Secret")
        let secretKeys = Set(((secret["stringData"] ?? secret["data"]) as? [String: Any] ?? [:]).keys)
        for name in Self.saslEnvironment.keys.sorted() {
            let e = try #require(env.first { Self.str($0, "name") == name }, "\(name) is not set")
            #expect(Self.str(e, "valueFrom.secretKeyRef.name") == Self.str(secret, "metadata.name"))
            let key = try #require(Self.str(e, "valueFrom.secretKeyRef.key"))
            #expect(secretKeys.contains(key), "Secret example lacks key \(key)")
        }
        for case let v as String in ((secret["stringData"] ?? secret["data"]) as? [String: Any] ?? [:]).values {
            #expect(v.hasPrefix("<") && v.hasSuffix(">"), "the Secret example must hold placeholders only")
        }

        // The ConfigMap + this environment: one group, static membership per pod, cooperative-sticky.
        let (layers2, config) = try Self.loadConfig(yaml: try Self.configMapConfig(), source: "ConfigMap",
                                                    environment: try Self.workloadEnvironment())
        #expect(config.processor.groupInstanceID == "parapet-0")
        #expect(config.processor.assignmentStrategy == "cooperative-sticky")
        #expect(layers2.string("kafka.properties.security.protocol") == "SASL_SSL")
        #expect(layers2.string("kafka.properties.sasl.password") == "placeholder")

        // Graceful shutdown: longer than the commit/flush path (flush up to 30 s + final flush up to 10 s + commit).
        let sts = try Self.object(kind: "StatefulSet")
        let grace = try #require(Self.at(sts, "spec.template.spec.terminationGracePeriodSeconds") as? Int)
        #expect(grace >= 60, "terminationGracePeriodSeconds \(grace) is shorter than the flush/commit path")
        let sessionTimeout = try #require(Int(layers2.string("kafka.consumer.session.timeout.ms") ?? ""))
        #expect(sessionTimeout >= 30_000, "static membership needs a session timeout that covers a pod restart")
        #expect(Self.str(c, "resources.requests.memory") != nil && Self.str(c, "resources.limits.memory") != nil)
        #expect(Self.str(c, "resources.requests.cpu") != nil)
    }

    // MARK: - Example configurations

    /// Every configuration in Deploy/examples (so that a new one is checked too).
    static let exampleNames: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
    }()

    @Test func theExamplesAreThere() {
        #expect(Set(Self.exampleNames).isSuperset(of: ["local.yaml", "sasl-ssl-cloud.yaml", "exactly-once.yaml", "compose.yaml"]))
    }

    @Test(arguments: exampleNames)
    func exampleConfigurationValidates(_ name: String) throws {
        let url = Self.examples.appendingPathComponent(name)
        let text = try Self.read(url)
        let sasl = text.contains("SASL_")
        let (layers, config) = try Self.loadConfig(yaml: text, source: url.path, environment: sasl ? Self.saslEnvironment : [:])
        // No secret is written in a file: secrets come from the environment.
        for (key, value) in layers.values where value.source == url.path {
            #expect(!ConfigLayers.isSecret(key), "\(name) writes the secret \(key); use \(ConfigLayers.envName(key))-style variables")
        }
        switch name {
        case "sasl-ssl-cloud.yaml":
            #expect(layers.string("kafka.properties.security.protocol") == "SASL_SSL")
            #expect(layers.string("kafka.properties.sasl.username") == "placeholder-user")
            #expect(layers.values["kafka.properties.sasl.password"]?.source == "env PARAPET_KAFKA_PROPERTY_SASL_PASSWORD")
        case "exactly-once.yaml":
            #expect(config.processor.delivery == .exactlyOnce)
            #expect(config.processor.groupInstanceID != nil || config.processor.transactionalID != nil)
            // The per-instance id from the environment wins over the file's.
            let (_, pod2) = try Self.loadConfig(yaml: text, source: name, environment: ["PARAPET_KAFKA_GROUP_INSTANCE_ID": "parapet-2"])
            #expect(pod2.processor.groupInstanceID == "parapet-2")
        case "local.yaml":
            #expect(config.processor.bootstrapServers.hasPrefix("localhost:") || config.processor.bootstrapServers.hasPrefix("127.0.0.1:"))
            #expect(config.processor.delivery == .atLeastOnce)
        default:
            break
        }
    }

    @Test func configMapAndReferenceConfigurationsValidate() throws {
        let (layers, _) = try Self.loadConfig(yaml: try Self.configMapConfig(), source: "ConfigMap",
                                              environment: Self.saslEnvironment)
        for (key, value) in layers.values where value.source == "ConfigMap" {
            #expect(!ConfigLayers.isSecret(key), "the ConfigMap writes the secret \(key); it belongs in the Secret")
        }
        // The Kafka owner's reference file (Deploy/parapet.yaml) loads too.
        let reference = Self.deploy.appendingPathComponent("parapet.yaml")
        if FileManager.default.fileExists(atPath: reference.path) {
            _ = try Self.loadConfig(yaml: try Self.read(reference), source: reference.path, environment: Self.saslEnvironment)
        }
    }

    @Test func aBrokenConfigurationIsRejected() throws {
        // The loader used above does reject bad files (so the checks above can fail).
        #expect(throws: ConfigError.self) {
            _ = try Self.loadConfig(yaml: "kafka:\n  bootstrap_servers: x:9092\n  delivery: twice\n", source: "bad")
        }
        #expect(throws: ConfigError.self) {
            _ = try Self.loadConfig(yaml: "kafka:\n  bootstrap_servers: x:9092\n  inputtopic: t\n", source: "bad")
        }
        #expect(throws: ConfigError.self) {
            _ = try Self.loadConfig(yaml: "kafka:\n  bootstrap_servers: x:9092\n  properties:\n    no.such.property: 1\n", source: "bad")
        }
        #expect(throws: ConfigError.self) {
            _ = try Self.loadConfig(yaml: "kafka:\n  bootstrap_servers: x:9092\n", source: "bad", environment: ["PARAPET_GROUP_ID": "x"])
        }
    }

    // MARK: - docker compose

    @Test func composeServicesAndTopicsMatchTheConfiguration() throws {
        let compose = try #require(try Self.documents(try Self.read(Self.deploy.appendingPathComponent("docker-compose.yml"))).first)
        let services = try #require(Self.at(compose, "services") as? [String: Any])
        #expect(Set(services.keys) == ["kafka", "topics", "parapet"])

        // Kafka in KRaft mode (no ZooKeeper), with an inside and a host listener.
        let kafka = services["kafka"]
        #expect(Self.str(kafka, "image")?.hasPrefix("apache/kafka:") == true)
        let roles = Self.str(kafka, "environment.KAFKA_PROCESS_ROLES") ?? ""
        #expect(roles.contains("controller") && roles.contains("broker"))
        let advertised = (Self.str(kafka, "environment.KAFKA_ADVERTISED_LISTENERS") ?? "").split(separator: ",")
            .compactMap { $0.split(separator: "//").last.map(String.init) }

        // Parapet: built from Deploy/Dockerfile, its config mounted where CMD expects it, after the topics exist.
        let parapet = services["parapet"]
        let context = Self.deploy.appendingPathComponent(try #require(Self.str(parapet, "build.context"))).standardizedFileURL
        let dockerfile = context.appendingPathComponent(try #require(Self.str(parapet, "build.dockerfile")))
        #expect(dockerfile.standardizedFileURL.path == Self.deploy.appendingPathComponent("Dockerfile").path)
        #expect(Self.str(parapet, "depends_on.topics.condition") == "service_completed_successfully")
        #expect(Self.str(services["topics"], "depends_on.kafka.condition") == "service_healthy")
        let mount = try #require(Self.list(parapet, "volumes").compactMap { $0 as? String }
            .first { $0.contains(":/etc/parapet/parapet.yaml") }, "no config mounted at /etc/parapet/parapet.yaml")
        let configFile = Self.deploy.appendingPathComponent(String(mount.split(separator: ":")[0])).standardizedFileURL
        let (_, config) = try Self.loadConfig(yaml: try Self.read(configFile), source: configFile.path)
        #expect(advertised.contains(config.processor.bootstrapServers), "bootstrap \(config.processor.bootstrapServers) is not an advertised listener \(advertised)")
        let (_, local) = try Self.loadConfig(yaml: try Self.read(Self.examples.appendingPathComponent("local.yaml")), source: "local.yaml")
        #expect(advertised.contains(local.processor.bootstrapServers), "local.yaml's broker is not the compose host listener")
        let ports = Self.list(parapet, "ports").compactMap { $0 as? String }
        #expect(ports.contains { $0.hasSuffix(":\(config.httpPort)") }, "metrics port \(config.httpPort) is not published")

        // The topics step creates exactly the topics this configuration reads and writes.
        let script = Self.list(services["topics"], "command").compactMap { $0 as? String }.joined(separator: "\n")
        let regex = try NSRegularExpression(pattern: #"--topic\s+"?([A-Za-z0-9._-]+)"#)
        let created = Set(regex.matches(in: script, range: NSRange(script.startIndex..., in: script)).compactMap {
            Range($0.range(at: 1), in: script).map { String(script[$0]) }
        })
        let p = config.processor
        let used = Set([p.inputTopic, p.alertsTopic] + [p.verdictsTopic, p.deadLetterTopic].compactMap { $0 })
        #expect(created == used, "compose creates \(created.sorted()), the config uses \(used.sorted())")
        #expect(used.count == 4)
        #expect(Self.str(services["kafka"], "environment.KAFKA_AUTO_CREATE_TOPICS_ENABLE") == "false")
    }

    // MARK: - Dockerfile

    /// Instructions of a Dockerfile: continuation lines joined, comments dropped.
    static func dockerInstructions(_ text: String) -> [(op: String, args: String)] {
        var out: [(String, String)] = []
        var current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
                continue
            }
            current += line
            let t = current.trimmingCharacters(in: .whitespaces)
            current = ""
            guard !t.isEmpty else { continue }
            let parts = t.split(separator: " ", maxSplits: 1)
            out.append((parts[0].uppercased(), parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""))
        }
        return out
    }

    static func jsonArray(_ s: String) throws -> [String] {
        try JSONDecoder().decode([String].self, from: Data(s.utf8))
    }

    @Test func dockerfileBuildsAndShipsTheProgram() throws {
        let text = try Self.read(Self.deploy.appendingPathComponent("Dockerfile"))
        let ins = Self.dockerInstructions(text)
        let froms = ins.filter { $0.op == "FROM" }
        #expect(froms.count == 2, "multi-stage: a build and a runtime stage")
        let args = Dictionary(ins.filter { $0.op == "ARG" }.compactMap { a -> (String, String)? in
            let kv = a.args.split(separator: "=", maxSplits: 1)
            return kv.count == 2 ? (String(kv[0]), String(kv[1])) : nil
        }, uniquingKeysWith: { a, _ in a })
        func resolve(_ s: String) -> String {
            s.hasPrefix("${") ? args[String(s.dropFirst(2).dropLast())] ?? s : s
        }
        let buildImage = resolve(String(froms.first?.args.split(separator: " ").first ?? ""))
        let runtimeImage = resolve(String(froms.last?.args.split(separator: " ").first ?? ""))
        #expect(buildImage.hasPrefix("swift:6.") && buildImage.hasSuffix("-bookworm"), "build image \(buildImage)")
        #expect(runtimeImage == "debian:bookworm-slim", "runtime image \(runtimeImage)")

        let runs = ins.filter { $0.op == "RUN" }.map(\.args).joined(separator: "\n")
        #expect(runs.contains("swift build -c release --static-swift-stdlib"))
        for pkg in ["librdkafka-dev", "zlib1g-dev", "pkg-config", "librdkafka1", "zlib1g"] {
            #expect(runs.range(of: #"(^|\s)\#(pkg)(\s|$)"#, options: .regularExpression) != nil, "apt package \(pkg) is not installed")
        }
        // Every resource bundle (parapet_<Target>.resources) goes next to the binary: Bundle.module looks there.
        #expect(runs.contains(#""$bin"/*.resources /out/"#), "the resource bundles are not copied")
        #expect(runs.contains(#""$bin/parapet" /out/parapet"#))
        #expect(ins.contains { $0.op == "COPY" && $0.args == "--from=build /out/ /opt/parapet/" })
        #expect(ins.contains { $0.op == "ENV" && $0.args.contains("PATH=/opt/parapet:") })
        // Package targets with resources get a bundle each; the glob above must cover them all.
        let manifest = try Self.read(Self.root.appendingPathComponent("Package.swift"))
        #expect(manifest.contains("resources:"), "no resources in Package.swift: drop the bundle copy")

        let entrypoint = try #require(ins.last { $0.op == "ENTRYPOINT" }).args
        #expect(try Self.jsonArray(entrypoint) == ["parapet"])
        let cmd = try Self.jsonArray(try #require(ins.last { $0.op == "CMD" }).args)
        #expect(cmd == ["run", "--config", "/etc/parapet/parapet.yaml"])
        // The Kubernetes container runs the same command with its ConfigMap at the same path.
        let c = try Self.container()
        #expect(((c["args"] as? [Any])?.compactMap { $0 as? String }) == cmd)

        let expose = ins.filter { $0.op == "EXPOSE" }.map(\.args)
        #expect(expose == [String(try ParapetConfig(ConfigLayers.defaults()).httpPort)], "EXPOSE \(expose) != the default http.port")
        let user = try #require(ins.last { $0.op == "USER" }).args
        #expect(!["root", "0", "0:0"].contains(user) && !user.hasPrefix("root:"), "the image must not run as root")
        let health = ins.last { $0.op == "HEALTHCHECK" }?.args ?? ""
        #expect(health.isEmpty || (health.contains("/healthz") && !health.contains("curl")))
        // Nothing in the image sets a PARAPET_ variable the loader would reject.
        for e in ins where e.op == "ENV" { #expect(!e.args.contains("PARAPET_"), "ENV \(e.args)") }

        // The build context keeps what the COPY instructions need and drops build output and git.
        let ignore = try Self.read(Self.root.appendingPathComponent(".dockerignore")).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        func ignored(_ path: String) -> Bool {
            var result = false
            for p in ignore {
                let negated = p.hasPrefix("!")
                let pattern = negated ? String(p.dropFirst()) : p
                if Self.glob(pattern, path) || path.hasPrefix(pattern + "/") { result = !negated }
            }
            return result
        }
        for p in [".build", ".build-deploy", ".git"] { #expect(ignored(p), ".dockerignore keeps \(p)") }
        let copied = ins.filter { $0.op == "COPY" && !$0.args.hasPrefix("--from") }
            .flatMap { $0.args.split(separator: " ").dropLast().map(String.init) }
        #expect(copied.contains("Sources") && copied.contains("Tests") && copied.contains("Package.swift"))
        for src in copied where !src.contains("*") { #expect(!ignored(src), ".dockerignore drops \(src), which the Dockerfile copies") }
    }

    /// `*` matches any run of characters (enough for .dockerignore's top-level patterns).
    static func glob(_ pattern: String, _ s: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return pattern == s }
        guard s.hasPrefix(parts[0]) else { return false }
        var rest = Substring(s.dropFirst(parts[0].count))
        for (i, part) in parts.enumerated().dropFirst() {
            if i == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard let r = rest.range(of: part) else { return false }
            rest = rest[r.upperBound...]
        }
        return true
    }

    // MARK: - Documentation

    @Test func deploymentGuideReferencesExistingFiles() throws {
        let doc = try Self.read(Self.root.appendingPathComponent("docs/deployment.md"))
        let regex = try NSRegularExpression(pattern: #"Deploy/[A-Za-z0-9_./-]*[A-Za-z0-9_]"#)
        let paths = Set(regex.matches(in: doc, range: NSRange(doc.startIndex..., in: doc)).compactMap {
            Range($0.range, in: doc).map { String(doc[$0]) }
        })
        #expect(paths.count >= 5, "docs/deployment.md should point at the Deploy files")
        for p in paths.sorted() {
            #expect(FileManager.default.fileExists(atPath: Self.root.appendingPathComponent(p).path), "docs/deployment.md: \(p) does not exist")
        }
    }
}
