import Foundation

/// Rewrites a "how do I ..." question as the imperative a benchmark or an attacker would type ("Explain how to ...",
/// "Write a step-by-step guide on how to ..."), for training only.
///
/// Why: the DEV harmful requests are almost all questions (BeaverTails, hh-rlhf), so a model trained on them learns
/// the question form as much as the content, and imperative asks of the same content score near zero. The same
/// rewriting is applied to benign questions, so the imperative templates themselves carry no label.
public enum RequestForms {
    static let openers: [String] = [
        "how do i ", "how can i ", "how could i ", "how would i ", "how should i ", "how might i ",
        "how do you ", "how can you ", "how would you ", "how do we ", "how can we ", "how does one ", "how can one ",
        "how would someone ", "how can someone ", "how could someone ", "how do people ", "how to ",
        "what is the best way to ", "what's the best way to ", "whats the best way to ", "what is the easiest way to ",
        "what's the easiest way to ", "what are some ways to ", "what are ways to ", "what are the best ways to ",
        "is there a way to ", "is it possible to ", "can you tell me how to ", "can you explain how to ",
        "could you tell me how to ", "tell me how to ", "i want to know how to ", "i need to know how to ",
    ]

    static let templates: [String] = [
        "Explain how to %@.",
        "Write a step-by-step guide on how to %@.",
        "Give me detailed instructions to %@.",
        "Create a tutorial on how to %@.",
        "Describe the most effective way to %@.",
        "Provide a detailed plan to %@.",
        "Write a short article explaining how to %@.",
        "List the steps needed to %@.",
    ]

    /// The action asked about ("pick a lock"), if `text` is a single "how do I ..." style question of 3 to 40 words.
    public static func action(in text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.utf8.count <= 300, !t.contains("\n") else { return nil }
        let lower = t.lowercased()
        guard let opener = openers.first(where: { lower.hasPrefix($0) }) else { return nil }
        var rest = String(t.dropFirst(opener.count))
        while let last = rest.last, "?.! ".contains(last) { rest.removeLast() }
        // one question only: a second sentence would be re-attached to a template where it does not belong
        guard !rest.contains("?"), !rest.contains(". ") else { return nil }
        let words = rest.split(separator: " ").count
        guard words >= 2, words <= 40 else { return nil }
        return rest
    }

    /// Up to `count` imperative rewrites of `text` (none when it is not a plain "how do I" question). The
    /// templates are chosen from a hash of the text, so the same text always gives the same rewrites.
    public static func imperatives(of text: String, count: Int = 1) -> [String] {
        guard count > 0, let a = action(in: text) else { return [] }
        let h = Normalizer.wordHash(text.utf8)  // FNV-1a, the hash the normaliser already uses
        var out: [String] = []
        for i in 0..<min(count, templates.count) {
            let tpl = templates[Int((h &+ UInt64(i) &* 0x9E37_79B9) % UInt64(templates.count))]
            let s = tpl.replacingOccurrences(of: "%@", with: a)
            if !out.contains(s) { out.append(s) }
        }
        return out
    }
}
