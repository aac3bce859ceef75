import Foundation
import Testing
@testable import ParapetDetect

@Suite struct ConceptLexiconTests {
    let lexicon = try! ConceptLexicon(text: """
        # a comment line
        theft: steal rob burgle   # trailing comment
        vehicle: car bike truck
        tech: process
        violence: kill rob
        """)

    @Test func readsClassesAndAddsInflections() {
        #expect(lexicon.names == ["theft", "vehicle", "tech", "violence"])
        #expect(lexicon.concepts(in: "how do i steal a car") == ["theft", "vehicle"])
        #expect(lexicon.concepts(in: "stealing bikes, robbed trucks") == ["theft", "vehicle", "theft", "vehicle"])
        #expect(lexicon.concepts(in: "kill the process") == ["violence", "tech"])
        #expect(lexicon.concepts(in: "a quiet afternoon") == [])
    }

    @Test func aWordInTwoClassesBelongsToTheFirst() {
        #expect(lexicon.concepts(in: "rob") == ["theft"])
    }

    @Test func malformedLinesAreNamed() {
        for (text, line) in [("theft steal rob", 1), ("a: x\n\nb:", 3), ("a: x\na: y", 2), ("a: two-words", 1)] {
            do {
                _ = try ConceptLexicon(text: text)
                Issue.record("accepted \(text)")
            } catch let e as ConceptLexicon.LexiconError {
                #expect("\(e)".contains("line \(line)"), "\(e)")
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func bundledLexiconLoads() throws {
        let l = try ConceptLexicon.bundled()
        #expect(l.names.count >= 20)
        #expect(l.concepts(in: "how to make a bomb") == ["howto", "howto", "explosive"])
    }

    /// A word the training data never showed, but whose class it did, moves the score only with concept features.
    @Test func conceptFeaturesCarryToUnseenWordsOfAClass() throws {
        let n = Normalizer()
        let harmful = ModelHead.harmful.index
        func examples() -> [TrainingExample] {
            var out: [TrainingExample] = []
            let objects = ["car", "truck", "van", "boat"]
            for (i, o) in objects.enumerated() {
                for (verb, y) in [("steal", Float(1)), ("wash", Float(0)), ("paint", Float(0)), ("rent", Float(0))] {
                    var l = [Float](repeating: -1, count: ModelHead.allCases.count)
                    l[harmful] = y
                    out.append(TrainingExample(text: n.normalize("how can i \(verb) my neighbour's \(o) number \(i)").text, labels: l))
                }
            }
            return out
        }
        var plain = ModelTrainer()
        plain.bits = 14
        plain.targetFPR = Array(repeating: nil, count: ModelHead.allCases.count)
        var withConcepts = plain
        withConcepts.concepts = lexicon
        let a = plain.train(examples()), b = withConcepts.train(examples())
        let unseen = n.normalize("how can i burgle my neighbour's car").text
        let benign = n.normalize("how can i wash my neighbour's car").text
        #expect(b.probabilities(unseen)[harmful] > a.probabilities(unseen)[harmful] + 0.05)
        #expect(b.probabilities(unseen)[harmful] > b.probabilities(benign)[harmful])
        // the lexicon travels in the model file
        let back = try HashedLinearModel(data: try b.serialized())
        #expect(back.concepts == lexicon)
        #expect(back.probabilities(unseen) == b.probabilities(unseen))
        #expect(try HashedLinearModel(data: try a.serialized()).concepts == nil)
    }
}
