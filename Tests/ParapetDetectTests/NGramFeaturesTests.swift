import Testing
@testable import ParapetDetect

/// At most two features per byte of each window (the feature density the classifier's cost scales with;
/// `HashedLinearModel.logitVector` sums them in chunks of 256). These texts are the densest shapes.
@Suite struct NGramFeaturesTests {
    func featureCount(_ text: String) -> Int {
        var t = text
        return t.withUTF8 { NGramFeatures.forEach($0, bits: 20) { _ in } }
    }

    @Test(arguments: ["", "a", "ab", "a b", "a b c d e f", "x", String(repeating: "a ", count: 20_000),
                      String(repeating: "ab", count: 20_000), String(repeating: "é ", count: 9_000)])
    func atMostTwoFeaturesPerWindowByte(_ text: String) {
        let n = text.utf8.count
        let windowed = n > NGramFeatures.headBytes + NGramFeatures.tailBytes ? NGramFeatures.headBytes + NGramFeatures.tailBytes : n
        #expect(featureCount(text) <= 2 * windowed + 2)
    }

    @Test func characterAndWordFeaturesAreCounted() {
        // "ab cd": 4-grams " ab ", "ab c", "b cd", " cd " with the padding = 4, plus two words and two bigrams = 8.
        #expect(featureCount("ab cd") == 8)
        // A long text is read in a head and a tail window, not whole.
        let long = String(repeating: "a ", count: 20_000)
        #expect(featureCount(long) < 2 * long.utf8.count / 2)
    }
}
