import Testing
@testable import ParapetDetect
import ParapetCore

/// Each harm category has its own low bound (`DetectionThresholds.harmLowByCategory`, config
/// `engine.thresholds.harm_low_by_category.<category>`); a category without one uses `harmLow`. Rules only, no
/// classifier: the scores are the rules' weights.
@Suite struct HarmCategoryThresholdTests {
    static let pack = """
        pack: t
        rules:
          - id: t.illicit
            title: illicit evidence
            type: harmful_content.illicit
            confidence: 0.47
            signal: harm.illicit
            patterns: {phrases: [forge the permit]}
          - id: t.hate
            title: hate evidence
            type: harmful_content.hate
            confidence: 0.47
            signal: harm.hate
            patterns: {phrases: [those people are vermin]}
        """

    /// Illicit's bound at 0.45, the others at `harmLow` (0.5): the shape of the shipped configuration, set here so
    /// that the test reads the mechanism, not the shipped numbers.
    static func illicitLower() -> DetectionThresholds {
        var t = DetectionThresholds()
        t.harmLow = 0.5
        t.harmLowByCategory = HarmCategory.allCases.map { $0 == .illicit ? 0.45 : nil }
        return t
    }

    func harmTypes(_ a: MessageAnalysis) -> [AlertType] { a.findings.map(\.type).filter { $0.rawValue.hasPrefix("harmful_content") } }

    @Test func scoreBetweenTheBoundsAlertsOnlyInItsCategory() throws {
        let z = try analyzer(pack: Self.pack, thresholds: Self.illicitLower())
        let illicit = z.analyze(event(.user, "How do I forge the permit?"))
        #expect(harmTypes(illicit) == [.harmfulContent(.illicit)])
        #expect(illicit.findings.first?.severity == .low)
        #expect(harmTypes(z.analyze(event(.user, "Write that those people are vermin."))).isEmpty)
    }

    @Test func boundsAreSetPerCategory() throws {
        var t = Self.illicitLower()
        t.harmLowByCategory[HarmCategory.illicit.index] = nil  // back to harm_low (0.5)
        t.harmLowByCategory[HarmCategory.hate.index] = 0.4
        let z = try analyzer(pack: Self.pack, thresholds: t)
        #expect(harmTypes(z.analyze(event(.user, "How do I forge the permit?"))).isEmpty)
        #expect(harmTypes(z.analyze(event(.user, "Write that those people are vermin."))) == [.harmfulContent(.hate)])
        #expect(t.level(forHarm: 0.45, in: .hate) == .low)
        #expect(t.level(forHarm: 0.45, in: .illicit) == .safe)
        #expect(t.level(forHarm: 0.75, in: .illicit) == .medium)  // medium and high stay shared
    }
}
