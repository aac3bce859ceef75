import Foundation
import Testing

/// Runs the built `parapet` executable as a subprocess.
enum ParapetBinary {
    /// The executable next to the test bundle in the build products directory (`swift test` builds it).
    static let url: URL? = {
        var starts = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments.first ?? "")]
        starts += Bundle.allBundles.map(\.bundleURL)
        for start in starts {
            var dir = start
            for _ in 0..<4 {
                let candidate = dir.appendingPathComponent("parapet")
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue,
                   FileManager.default.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                dir = dir.deletingLastPathComponent()
            }
        }
        // Fallback: the default build directory of the package.
        let fallback = RepoFiles.root.appendingPathComponent(".build/debug/parapet")
        return FileManager.default.isExecutableFile(atPath: fallback.path) ? fallback : nil
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], stdin: Data? = nil, in dir: URL) throws -> Result {
        let exe = try #require(url, "the parapet executable was not found next to the test bundle")
        let p = Process()
        p.executableURL = exe
        p.arguments = arguments
        p.currentDirectoryURL = dir
        let out = dir.appendingPathComponent("stdout-\(UUID().uuidString)")
        let err = dir.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let outHandle = try FileHandle(forWritingTo: out)
        let errHandle = try FileHandle(forWritingTo: err)
        p.standardOutput = outHandle
        p.standardError = errHandle
        if let stdin {
            let inFile = dir.appendingPathComponent("stdin-\(UUID().uuidString)")
            try stdin.write(to: inFile)
            p.standardInput = try FileHandle(forReadingFrom: inFile)
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        try p.run()
        p.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return Result(status: p.terminationStatus,
                      stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                      stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
    }
}

@Suite("The parapet command, end to end")
struct CLITests {
    @Test("clean input: exit 0, alerts on stdout that validate, the summary on stderr")
    func cleanInput() throws {
        let dir = try makeTempDir("cli-clean")
        defer { try? FileManager.default.removeItem(at: dir) }
        let inputs = RepoFiles.conversations.map { RepoFiles.fixture($0).path }
        let verdicts = dir.appendingPathComponent("verdicts.jsonl").path
        let r = try ParapetBinary.run(["replay"] + inputs + ["--verdicts", verdicts], in: dir)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        let alerts = r.stdout.split(separator: "\n").map(String.init)
        #expect(alerts.filter { $0.contains(#""type":"ascii_smuggling""#) }.count == 4)
        let schema = try RepoFiles.validator("alert")
        for a in alerts { #expect(schema.validate(jsonText: a).isEmpty, "\(a.prefix(200))") }
        #expect(try readLines(URL(fileURLWithPath: verdicts)).count == 24)
        #expect(r.stderr.contains("parapet replay: 24 events, 5 sessions, \(alerts.count) alerts, 0 rejects"), "\(r.stderr)")
        #expect(r.stderr.contains("ascii_smuggling: 4"))
        #expect(!r.stderr.contains("reject:"))
    }

    @Test("rejected lines: exit 3, stderr names file:line and the key, --rejects keeps the line and the reason")
    func rejectedLines() throws {
        let dir = try makeTempDir("cli-bad")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = RepoFiles.fixture("bad-input/mixed.jsonl").path
        let rejects = dir.appendingPathComponent("rejects.jsonl")
        let alerts = dir.appendingPathComponent("alerts.jsonl")
        let r = try ParapetBinary.run(["replay", input, "--rejects", rejects.path, "--alerts", alerts.path], in: dir)
        #expect(r.status == 3, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("reject: \(input):4: key 'content': required key is missing"), "\(r.stderr)")
        #expect(r.stderr.contains("reject: \(input):5: key 'seq': must be an integer"))
        #expect(r.stderr.contains("\(input):11: key 'event_id'"))
        #expect(r.stderr.contains("parapet replay: 5 events, 1 sessions, ") && r.stderr.contains(" alerts, 7 rejects"))
        #expect(r.stdout.isEmpty, "alerts went to --alerts")
        let lines = try readLines(rejects)
        #expect(lines.count == 7)
        let first = try JSONNode.parse(lines[1])
        #expect(first["line"] == .number(4) && first["key"] == .string("content") && first["input"] == .string(input))
        #expect(first["reason"] == .string("required key is missing"))
        let original = try readLines(URL(fileURLWithPath: input))
        #expect(first["raw"] == .string(original[3]), "the rejected line is kept as it was")
    }

    @Test("--quiet-rejects keeps stderr to the summary, the exit status still says 3")
    func quietRejects() throws {
        let dir = try makeTempDir("cli-quiet")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try ParapetBinary.run(["replay", RepoFiles.fixture("bad-input/mixed.jsonl").path, "--quiet-rejects"], in: dir)
        #expect(r.status == 3)
        #expect(!r.stderr.contains("reject:") && r.stderr.contains("7 rejects"))
    }

    @Test("stdin, a missing file, a gzip file and an over-long line from the command line")
    func otherInputs() throws {
        let dir = try makeTempDir("cli-inputs")
        defer { try? FileManager.default.removeItem(at: dir) }
        let ordinary = try Data(contentsOf: RepoFiles.fixture("conversations/ordinary.jsonl"))
        let fromStdin = try ParapetBinary.run(["replay", "-"], stdin: ordinary, in: dir)
        #expect(fromStdin.status == 0 && fromStdin.stderr.contains("6 events"), "\(fromStdin.stderr)")
        let noArgs = try ParapetBinary.run(["replay"], stdin: ordinary, in: dir)
        #expect(noArgs.status == 0 && noArgs.stderr.contains("6 events"))

        let missing = try ParapetBinary.run(["replay", "does-not-exist.jsonl", RepoFiles.fixture("conversations/ordinary.jsonl").path], in: dir)
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("does-not-exist.jsonl") && missing.stderr.contains("no such file"))
        #expect(missing.stderr.contains("6 events"))

        let copy = dir.appendingPathComponent("smuggling.jsonl")
        try FileManager.default.copyItem(at: RepoFiles.fixture("conversations/ascii-smuggling.jsonl"), to: copy)
        let gz = try gzipFile(copy)
        let zipped = try ParapetBinary.run(["replay", gz.path], in: dir)
        let plain = try ParapetBinary.run(["replay", copy.path], in: dir)
        #expect(zipped.status == 0 && zipped.stdout == plain.stdout && zipped.stdout.split(separator: "\n").count >= 2)

        let long = dir.appendingPathComponent("long.jsonl")
        try write(event("l-1", content: String(repeating: "z", count: 2_000)) + "\n" + event("l-2", second: 1) + "\n", to: long)
        let verdicts = dir.appendingPathComponent("v.jsonl")
        let capped = try ParapetBinary.run(["replay", long.path, "--max-line-bytes", "1000", "--verdicts", verdicts.path], in: dir)
        #expect(capped.status == 3)
        #expect(capped.stderr.contains("\(long.path):1: line of"))
        #expect(try readLines(verdicts).count == 1)
    }

    @Test("an output that cannot be written is a fatal error (exit 1), not a crash")
    func unwritableOutput() throws {
        let dir = try makeTempDir("cli-fatal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try ParapetBinary.run(["replay", RepoFiles.fixture("conversations/ordinary.jsonl").path,
                                       "--alerts", dir.appendingPathComponent("no/such/dir/a.jsonl").path], in: dir)
        #expect(r.status == 1, "status \(r.status), stderr: \(r.stderr)")
        #expect(r.stderr.contains("cannot"))
    }

    @Test("scan prints a verdict that validates")
    func scan() throws {
        let dir = try makeTempDir("cli-scan")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try ParapetBinary.run(["scan", "What a lovely day for a walk."], in: dir)
        #expect(r.status == 0)
        let failures = try RepoFiles.validator("verdict").validate(jsonText: r.stdout)
        #expect(failures.isEmpty, "\(failures)\n\(r.stdout)")
    }
}
