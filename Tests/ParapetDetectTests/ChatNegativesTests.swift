import Testing
@testable import ParapetDetect

/// Chatty benign questions for training (`parapet train --chat-negatives`).
@Suite struct ChatNegativesTests {
    static let small = """
    # comment
    [frames]
    how do i get my {p} to {a}?
    what do you think about {t}?
    [p]
    cat
    boss
    [a]
    sleep better
    cheer up
    [t]
    winter
    """

    @Test func fillsEverySlotFromItsSection() throws {
        let n = try ChatNegatives(text: Self.small)
        let q = n.questions(count: 3)
        #expect(q.count == 3)
        for s in q {
            #expect(!s.contains("{") && !s.contains("}"), "unfilled slot in \(s)")
            #expect(s.hasPrefix("how do i get my ") || s == "what do you think about winter?")
        }
        #expect(Set(q).count == q.count)
    }

    @Test func stopsAtTheNumberOfDistinctQuestions() throws {
        let q = try ChatNegatives(text: Self.small).questions(count: 100)
        #expect(q.count == 5)  // 2 persons x 2 activities + 1 topic
    }

    @Test func sameListAndCountGiveTheSameQuestions() throws {
        let n = try ChatNegatives(text: Self.small)
        #expect(n.questions(count: 4) == n.questions(count: 4))
    }

    @Test func aFrameWithAnUnknownSlotIsRejectedByName() {
        #expect { try ChatNegatives(text: "[frames]\nwhy is my {x} sad?\n[p]\ncat\n") } throws: { error in
            "\(error)".contains("{x}")
        }
    }

    @Test func textBeforeAnySectionNamesItsLine() {
        #expect { try ChatNegatives(text: "# c\nhello\n[frames]\nhi\n") } throws: { error in
            "\(error)".contains("line 2")
        }
    }

    @Test func theBundledListLoadsAndGivesThousandsOfQuestions() throws {
        let n = try ChatNegatives.bundled()
        let q = n.questions(count: 1500)
        #expect(q.count == 1500)
        // the point of the list: the chatty frames of harmful requests around everyday subjects
        #expect(q.contains { $0.hasPrefix("how do i get my ") })
        #expect(q.contains { $0.hasPrefix("what do you think about ") })
    }
}
