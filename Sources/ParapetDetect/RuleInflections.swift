/// Regular English inflections of rule phrases, added when a pack is compiled, so that a rule written as
/// "break into" also matches "breaking into", "breaks into" and "broke into"'s regular cousins, and "pipe bomb"
/// matches "pipe bombs". Only the first word (verb forms) and the last word (plural) change; irregular forms are not
/// generated (write them as phrases). Over-generation is harmless: forms that are not words never occur in text.
public enum RuleInflections {
    /// The phrase and its inflected variants (the phrase first; no duplicates).
    public static func variants(of phrase: String) -> [String] {
        let words = phrase.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let first = words.first, let last = words.last else { return [phrase] }
        var out = [phrase]
        func add(_ s: String) { if !out.contains(s) { out.append(s) } }
        for f in verbForms(first) { add(([f] + words.dropFirst()).joined(separator: " ")) }
        if words.count > 1, !functionWords.contains(last) { add((words.dropLast() + [plural(last)]).joined(separator: " ")) }
        return out
    }

    static let vowels: Set<Character> = ["a", "e", "i", "o", "u"]

    /// Last words that take no plural ("break into", "spy on", "get rid of it").
    static let functionWords: Set<String> = [
        "into", "onto", "on", "in", "of", "to", "for", "with", "from", "about", "up", "out", "off", "down", "away",
        "it", "them", "him", "her", "me", "you", "us", "myself", "yourself", "himself", "herself", "themselves",
        "someone", "something", "anyone", "anything", "everyone", "everything", "this", "that", "the", "a", "an",
    ]

    static func isPlainWord(_ w: String) -> Bool {
        w.count >= 3 && w.allSatisfy { $0 >= "a" && $0 <= "z" }
    }

    /// -s, -ing, -ed forms of a word (as a verb); none for words that already look inflected.
    static func verbForms(_ w: String) -> [String] {
        guard isPlainWord(w), !w.hasSuffix("ing"), !w.hasSuffix("ed") else { return [] }
        let chars = Array(w)
        let n = chars.count
        let lastC = chars[n - 1]
        let consonantY = lastC == "y" && !vowels.contains(chars[n - 2])
        // short consonant-vowel-consonant words double their last letter: stab -> stabbing, rob -> robbed
        let cvc = n <= 4 && !vowels.contains(lastC) && !"wxy".contains(lastC) && vowels.contains(chars[n - 2])
            && !vowels.contains(chars[n - 3])
        var forms = [plural(w)]
        if w.hasSuffix("ie") {
            forms.append(String(chars.dropLast(2)) + "ying")
            forms.append(w + "d")
        } else if lastC == "e" && !w.hasSuffix("ee") && !w.hasSuffix("ye") && !w.hasSuffix("oe") {
            forms.append(String(chars.dropLast()) + "ing")
            forms.append(w + "d")
        } else if consonantY {
            forms.append(w + "ing")
            forms.append(String(chars.dropLast()) + "ied")
        } else if cvc {
            forms.append(w + String(lastC) + "ing")
            forms.append(w + String(lastC) + "ed")
        } else {
            forms.append(w + "ing")
            forms.append(w + "ed")
        }
        return forms
    }

    static func plural(_ w: String) -> String {
        guard isPlainWord(w) else { return w }
        if w.hasSuffix("s") || w.hasSuffix("x") || w.hasSuffix("z") || w.hasSuffix("ch") || w.hasSuffix("sh") { return w + "es" }
        if w.hasSuffix("y"), let p = w.dropLast().last, !vowels.contains(p) { return String(w.dropLast()) + "ies" }
        return w + "s"
    }
}
