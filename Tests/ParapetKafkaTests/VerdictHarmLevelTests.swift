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
        let shipped = DetectionEngine.harm(s, DetectionThresholds())
        #expect(shipped.illicit.level == .low)
        #expect(shipped.hate.level == .safe)
        var t = DetectionThresholds()
        t.harmLowByCategory[HarmCategory.illicit.index] = 0.48
        #expect(DetectionEngine.harm(s, t).illicit.level == .safe)
    }
}
