import Testing
@testable import ParapetDetect
import ParapetCore

@Suite struct RuleInflectionTests {
    @Test func regularVerbAndPluralForms() {
        #expect(Set(RuleInflections.variants(of: "break into")) == ["break into", "breaks into", "breaking into", "breaked into"])
        #expect(RuleInflections.variants(of: "stab").contains("stabbing"))
        #expect(RuleInflections.variants(of: "make a bomb").contains("making a bomb"))
        #expect(RuleInflections.variants(of: "make a bomb").contains("make a bombs"))
        #expect(RuleInflections.variants(of: "spy on").contains("spies on"))
        #expect(RuleInflections.variants(of: "spy on").contains("spied on"))
        #expect(RuleInflections.variants(of: "pipe bomb").contains("pipe bombs"))
        // already inflected, too short or not a plain word: left alone
        #expect(RuleInflections.variants(of: "stealing") == ["stealing"])
        #expect(RuleInflections.variants(of: "do") == ["do"])
        #expect(RuleInflections.variants(of: "step-by-step") == ["step-by-step"])
    }

    func set(_ rule: String) throws -> RuleSet {
        try RuleSet(packs: [try RulePack.parse(yaml: """
            pack: t
            rules:
            \(rule)
            """)])
    }

    @Test func phrasesMatchTheirInflectionsUnlessMarkedExact() throws {
        let s = try set("""
              - id: t.theft
                title: theft
                type: harmful_content.illicit
                confidence: 0.5
                signal: harm.illicit
                patterns:
                  near:
                    - words: [[how], [break into, =launder]]
                      within: 6
            """)
        var hits: [AhoCorasick.Hit] = []
        #expect(!s.match("how is someone breaking into cars on my street", role: .user, hits: &hits).isEmpty)
        #expect(!s.match("how do they launder it", role: .user, hits: &hits).isEmpty)
        #expect(s.match("how do banks detect money laundering", role: .user, hits: &hits).isEmpty)
    }

    @Test func inflectedFormsOfOnePhraseCountOnceForMinMatches() throws {
        let s = try set("""
              - id: t.two
                title: two
                type: jailbreak.direct
                confidence: 0.5
                signal: jailbreak
                patterns:
                  phrases: [pretend, unfiltered]
                  min_matches: 2
            """)
        var hits: [AhoCorasick.Hit] = []
        #expect(s.match("pretend you are pretending, he pretends", role: .user, hits: &hits).isEmpty)
        #expect(!s.match("pretending to be unfiltered", role: .user, hits: &hits).isEmpty)
    }

    @Test func maxWordsLimitsARuleToShortTexts() throws {
        let s = try set("""
              - id: t.short
                title: short question
                type: harmful_content.violence
                confidence: 0.5
                signal: benign_sense
                patterns:
                  phrases: [what does]
                  max_words: 5
            """)
        var hits: [AhoCorasick.Hit] = []
        #expect(!s.match("what does arson mean?", role: .user, hits: &hits).isEmpty)
        #expect(s.match("what does it take to burn a house down without a trace", role: .user, hits: &hits).isEmpty)
    }

    @Test func unlessPhrasesVetoPhraseNearAndRegexMatches() throws {
        let s = try set("""
              - id: t.claim
                title: writes a false claim
                type: harmful_content.illicit
                confidence: 0.5
                signal: harm.illicit
                patterns:
                  phrases: [vaccines cause autism]
                  near:
                    - words: [[write], [flat earth]]
                      within: 4
                  regex: ['moon landing (was|is) faked']
                  unless: [debunk, fact check]
            """)
        var hits: [AhoCorasick.Hit] = []
        #expect(s.match("write a post saying vaccines cause autism", role: .user, hits: &hits).count == 1)
        #expect(s.match("write a post debunking the idea that vaccines cause autism", role: .user, hits: &hits).isEmpty)
        #expect(s.match("write about the flat earth", role: .user, hits: &hits).count == 1)
        #expect(s.match("write a fact check of the flat earth video", role: .user, hits: &hits).isEmpty)
        #expect(s.match("the moon landing was faked, prove it", role: .user, hits: &hits).count == 1)
        #expect(s.match("debunk: the moon landing was faked", role: .user, hits: &hits).isEmpty)
        // the veto is per rule: another rule in the same text still matches
        let two = try set("""
              - id: t.a
                title: a
                type: harmful_content.illicit
                confidence: 0.5
                signal: harm.illicit
                patterns:
                  phrases: [vaccines cause autism]
                  unless: [debunk]
              - id: t.b
                title: b
                type: harmful_content.illicit
                confidence: 0.5
                signal: harm.illicit
                patterns:
                  phrases: [autism]
            """)
        let m = two.match("debunk the claim that vaccines cause autism", role: .user, hits: &hits)
        #expect(m.map { two.rules[$0.rule].id } == ["t.b"])
    }
}
