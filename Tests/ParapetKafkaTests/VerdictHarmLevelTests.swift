import ParapetCore
import ParapetDetect
@testable import ParapetPipeline
import Testing

/// The verdict stream's harm levels use each category's own low bound, as the alerts do.
@Suite struct VerdictHarmLevelTests {
    @Test func levelsFollowTheCategoryBound() {
        var s = MessageScores()
        s[.illicit] = 0.47
        s[.hate] = 0.47
        var t = DetectionThresholds()
        t.harmLow = 0.5
        t.harmLowByCategory = HarmCategory.allCases.map { $0 == .illicit ? 0.45 : nil }
        let levels = DetectionEngine.harm(s, t)
        #expect(levels.illicit.level == .low)
        #expect(levels.hate.level == .safe)
        t.harmLowByCategory[HarmCategory.illicit.index] = 0.48
        #expect(DetectionEngine.harm(s, t).illicit.level == .safe)
    }
}
