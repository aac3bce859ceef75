import Testing
@testable import ParapetDetect

/// Training-time rewriting of "how do I ..." questions into imperatives.
@Suite struct RequestFormsTests {
    @Test func extractsTheActionOfAPlainHowQuestion() {
        #expect(RequestForms.action(in: "How do I pick a lock?") == "pick a lock")
        #expect(RequestForms.action(in: "what's the best way to store onions ") == "store onions")
        #expect(RequestForms.action(in: "Is there a way to speed up my laptop?!") == "speed up my laptop")
    }

    @Test func leavesOtherTextAlone() {
        #expect(RequestForms.action(in: "Why is the sky blue?") == nil)
        #expect(RequestForms.action(in: "How do I start? I also want to know the cost.") == nil)  // two questions
        #expect(RequestForms.action(in: "How do I\nbake bread") == nil)                            // several lines
        #expect(RequestForms.action(in: "How to?") == nil)                                          // no action
        #expect(RequestForms.imperatives(of: "Tell me a joke") == [])
    }

    @Test func rewritesDeterministicallyIntoImperatives() {
        let q = "How can I make my sourdough rise faster?"
        let a = RequestForms.imperatives(of: q, count: 3)
        #expect(a.count == 3)
        #expect(a == RequestForms.imperatives(of: q, count: 3))
        for s in a {
            #expect(s.contains("make my sourdough rise faster"))
            #expect(!s.lowercased().hasPrefix("how can i"))
            #expect(s.hasSuffix("."))
        }
        // different questions pick their templates independently (not always the first template)
        let firsts = Set(["How do I fix a bike chain?", "How do I learn Rust quickly?", "How can I plan a wedding?",
                          "How do I grow tomatoes?", "How can I write a CV?", "How do I clean an oven?"]
            .compactMap { RequestForms.imperatives(of: $0).first?.split(separator: " ").first })
        #expect(firsts.count > 1)
    }
}
