import Foundation
import Testing
@testable import ParapetDetect
import ParapetCore

/// The refusal detector's phrases and scores are data (`Resources/responses/refusals.yaml`): the shipped file
/// scores as the lists in code did, a deployment's own file replaces it, and a broken file is refused by name.
@Suite struct RefusalPhrasesTests {
    /// The shipped file's text, for tests that break one key of it.
    static func shippedYAML() throws -> String {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/ParapetDetect/Resources/responses/refusals.yaml")
        return try String(contentsOf: shipped, encoding: .utf8)
    }

    /// A complete file with one strong and one weak phrase (`Tests/Fixtures/refusals/one-strong-phrase.yaml`).
    static var oneStrongPhrase: String {
        get throws {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Fixtures/refusals/one-strong-phrase.yaml")
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    func score(_ d: RefusalDetector, _ text: String) -> Double {
        d.score(Normalizer().normalize(text).text).0
    }

    static func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("parapet-refusals-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func everyShippedPhraseIsFoundAfterNormalisation() throws {
        let p = try RefusalPhrases.bundled()
        #expect(p == RefusalPhrases.shipped)
        #expect(RefusalDetector().phrases == p)
        #expect(Set(p.strong).count == p.strong.count && Set(p.weak).count == p.weak.count)
        // Each phrase as a model would write it (capitalised, typographic apostrophe) must still match once the
        // answer is normalised: a phrase the normaliser folds differently from the list would never fire.
        let d = RefusalDetector()
        for phrase in p.strong {
            let answer = phrase.prefix(1).uppercased() + phrase.dropFirst().replacingOccurrences(of: "'", with: "\u{2019}") + " that."
            #expect(score(d, answer) >= p.scoring.strong.lead, "strong phrase not found: \(phrase)")
        }
        for phrase in p.weak {
            #expect(score(d, phrase.uppercased() + " today.") >= p.scoring.weak.oneInLead, "weak phrase not found: \(phrase)")
        }
    }

    @Test func theShippedFileScoresByPosition() {
        let d = RefusalDetector()
        // A strong phrase (no weak one) opening the answer, in the middle band, late, and late in a long answer.
        #expect(score(d, "I must decline this request.") == 0.95)
        let filler = String(repeating: "The weather was mild and the garden looked lovely. ", count: 6)  // 306 bytes
        #expect(score(d, filler + "I must decline this request.") == 0.6)
        let more = String(repeating: filler, count: 4)  // 1224 bytes
        #expect(score(d, more + "I must decline this request.") == 0.35)
        #expect(abs(score(d, more + filler + "I must decline this request.") - 0.35 * 0.6) < 1e-12)
        // A weak phrase in the lead backs up a strong one.
        #expect(abs(score(d, "I'm sorry, but I can't help with that.") - 0.98) < 1e-12)
    }

    @Test func weakPhrasesAndCantHelpBut() {
        let d = RefusalDetector()
        #expect(score(d, "As an AI, I think the answer is forty-two.") == 0.35)
        #expect(score(d, "I'm sorry. As an AI, I think the answer is forty-two.") == 0.6)
        // "can't help but" is not a refusal: only the weak "i can't" is left.
        let text = "I can't help but notice how well this recipe uses the leftover rice."
        #expect(score(d, text) == 0.35)
        #expect(!run(d, .assistant, text).indicators.contains { $0.id == "refusal:model_refusal" })
        #expect(run(d, .assistant, "I must decline this request.").indicators.contains { $0.id == "refusal:model_refusal" })
    }

    @Test func aCustomFileReplacesTheShippedLists() throws {
        let d = RefusalDetector(phrases: try RefusalPhrases.load(yaml: Self.oneStrongPhrase, name: "mine.yaml"))
        #expect(score(d, "We do not do that here, sorry.") == 0.95)
        #expect(score(d, "I must decline this request.") == 0)
        let a = run(d, .assistant, "We do NOT do that here.")  // folded like messages: case does not matter
        #expect(a.indicators.first { $0.id == "refusal:model_refusal" }?.match == "we do not do that here")
        // The shipped detector does not know the phrase.
        #expect(score(RefusalDetector(), "We do not do that here, sorry.") == 0)
    }

    @Test func theOptionAndTheEnvironmentVariableNameTheFile() throws {
        let path = try Self.temporaryFile(Self.oneStrongPhrase)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(StandardDetectors.Options.fromEnvironment(["PARAPET_REFUSALS": path]).refusalPhrasesPath == path)
        #expect(StandardDetectors.Options.fromEnvironment(["PARAPET_REFUSALS": ""]).refusalPhrasesPath == nil)
        func refusal(_ o: StandardDetectors.Options) throws -> RefusalDetector? {
            var o = o
            o.shippedRules = false  // (not needed here, and slow to build in a debug build)
            return try StandardDetectors.make(o).compactMap { $0 as? RefusalDetector }.first
        }
        #expect(try refusal(.fromEnvironment(["PARAPET_REFUSALS": path]))?.phrases.strong == ["we do not do that here"])
        var o = StandardDetectors.Options()
        #expect(try refusal(o)?.phrases == RefusalPhrases.shipped)
        o.refusalPhrasesPath = path
        #expect(try refusal(o)?.phrases.strong == ["we do not do that here"])
        // Already loaded phrases (the configuration's refusals file) win over the path.
        o.refusalPhrases = .shipped
        #expect(try refusal(o)?.phrases == RefusalPhrases.shipped)
        // A file that is not there stops the build of the detectors, naming it.
        o = StandardDetectors.Options()
        o.shippedRules = false
        o.refusalPhrasesPath = path + ".missing"
        #expect { try StandardDetectors.make(o) } throws: { "\($0)".contains(path + ".missing") && "\($0)".contains("no such file") }
    }

    /// Loads `yaml` and expects an error that names the file and `key`.
    func expectRejected(_ yaml: String, key: String, _ also: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            try RefusalPhrases.load(yaml: yaml, name: "mine.yaml")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("mine.yaml: ") && text.contains("key '\(key)'") && (also.isEmpty || text.contains(also))
        }
    }

    @Test func aBrokenFileIsRefusedNamingTheFileAndTheKey() throws {
        let full = try Self.shippedYAML()
        #expect(try RefusalPhrases.load(yaml: full, name: "refusals.yaml") == RefusalPhrases.shipped)
        func variant(_ pattern: String, _ with: String) -> String {
            let v = full.replacingOccurrences(of: pattern, with: with, options: .regularExpression)
            #expect(v != full, "\(pattern) not found")
            return v
        }
        // A missing key, by its path.
        expectRejected(variant("\n    lead: [0-9.]+\n", "\n"), key: "scoring.strong.lead", "missing")
        expectRejected(variant("\nweak:\n(  [^\n]*\n)+", "\n"), key: "weak", "missing")
        // An empty phrase, by its index.
        expectRejected(variant("\n  - i must decline\n", "\n  - \"\"\n"), key: "strong[21]", "empty")
        expectRejected(variant("\n  - as an ai\n", "\n  - \"   \"\n"), key: "weak[0]", "empty")
        // A score out of 0...1.
        expectRejected(variant("\n    lead: [0-9.]+\n", "\n    lead: 1.5\n"), key: "scoring.strong.lead", "1.5")
        expectRejected(variant("\n  weak_bonus: [0-9.]+\n", "\n  weak_bonus: -0.1\n"), key: "scoring.weak_bonus")
        // Byte positions: positive and in order.
        expectRejected(variant("\n  lead_bytes: [0-9]+\n", "\n  lead_bytes: 0\n"), key: "scoring.lead_bytes")
        expectRejected(variant("\n  middle_bytes: [0-9]+\n", "\n  middle_bytes: 200\n"), key: "scoring.middle_bytes", "larger")
        expectRejected(variant("\n    bytes: [0-9]+\n", "\n    bytes: -1\n"), key: "scoring.long_answer.bytes")
        // A wrong type.
        expectRejected(variant("\n  lead_bytes: [0-9]+\n", "\n  lead_bytes: many\n"), key: "scoring.lead_bytes")
        expectRejected(variant("\nstrong:\n", "\nstrong: 3\nold_strong:\n"), key: "strong", "wrong type")
        expectRejected(variant("\n  middle_bytes: [0-9]+\n", "\n  middle_bytes: [1200]\n"), key: "scoring.middle_bytes")
        // An empty list, and a continuation that could never match the lower-cased text.
        expectRejected(variant("\nnot_refusal_continuations:\n(  [^\n]*\n)+", "\nnot_refusal_continuations: []\n"),
                       key: "not_refusal_continuations", "at least one")
        expectRejected(variant("\n  - \" but\"\n", "\n  - \" But\"\n"), key: "not_refusal_continuations[0]", "lower case")
        // Not YAML at all, and a file that is not there.
        #expect { try RefusalPhrases.load(yaml: "strong: [unclosed", name: "mine.yaml") } throws: { "\($0)".hasPrefix("mine.yaml: ") }
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("parapet-no-such-\(UUID().uuidString).yaml").path
        #expect { try RefusalPhrases.load(file: missing) } throws: { error in
            "\(error)".contains(missing) && "\(error)".contains("no such file") && !"\(error)".contains("NSCocoaErrorDomain")
        }
    }
}
