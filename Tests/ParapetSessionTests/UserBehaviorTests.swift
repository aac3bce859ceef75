import ParapetCore
import ParapetDetect
@testable import ParapetSession
import Testing

@Suite("User-level behaviour")
struct UserBehaviorTests {
    func event(_ i: Int, session: String = "s", seconds: Double, text: String = "hello", ip: String? = nil,
               ua: String? = nil) -> ChatEvent {
        ChatEvent(eventID: "\(session)#\(i)", sessionID: session, time: EventTime(micros: Int64(seconds * 1_000_000)),
                  role: .user, content: text, user: UserInfo(id: "u1", ip: ip, userAgent: ua))
    }

    @Test("a burst of identical prompts is a wallet attack; varied prompts are not")
    func duplicateBurst() {
        let a = UserBehaviorAnalyzer()
        var u = UserActivity()
        var fired: [Int] = []
        for i in 0..<25 where !a.observe(event(i, seconds: Double(i)), normalizedText: "same prompt", attack: false, state: &u).isEmpty {
            fired.append(i)
        }
        #expect(fired.first == 19)  // the 20th identical prompt within a minute

        var v = UserActivity()
        let varied = (0..<25).flatMap { a.observe(event($0, seconds: Double($0)), normalizedText: "prompt \($0)", attack: false, state: &v) }
        #expect(varied.isEmpty)

        // The same 25 prompts spread over an hour are not a burst.
        var w = UserActivity()
        let slow = (0..<25).flatMap { a.observe(event($0, seconds: Double($0) * 150), normalizedText: "same prompt", attack: false, state: &w) }
        #expect(slow.isEmpty)
    }

    @Test("volume far above the user's own history")
    func volumeAnomaly() {
        var s = UserActivitySettings()
        s.volumeMinimum = 50
        let a = UserBehaviorAnalyzer(settings: s)
        var u = UserActivity()
        var t = 0.0
        var found: [Finding] = []
        for _ in 0..<8 {  // eight quiet hours, 3 requests each
            for k in 0..<3 { found += a.observe(event(0, seconds: t + Double(k)), normalizedText: "q\(t)\(k)", attack: false, state: &u) }
            t += 3600
        }
        #expect(found.isEmpty)
        for k in 0..<60 { found += a.observe(event(k, seconds: t + Double(k)), normalizedText: "r\(k)", attack: false, state: &u) }
        #expect(found.contains { $0.type == .walletVolumeAnomaly })
    }

    @Test("attacks in three sessions of one user")
    func repeatedAttacks() {
        let a = UserBehaviorAnalyzer()
        var u = UserActivity()
        #expect(a.observe(event(0, session: "a", seconds: 0), normalizedText: "x", attack: true, state: &u).isEmpty)
        #expect(a.observe(event(0, session: "a", seconds: 10), normalizedText: "y", attack: true, state: &u).isEmpty)
        #expect(a.observe(event(0, session: "b", seconds: 20), normalizedText: "z", attack: true, state: &u).isEmpty)
        let f = a.observe(event(0, session: "c", seconds: 30), normalizedText: "w", attack: true, state: &u)
        #expect(f.map(\.type) == [.userRepeatedAttacks])
    }

    @Test("listed addresses, CIDR blocks and attack-tool user agents")
    func accessLists() {
        var lists = AccessLists.bundled()
        lists.addIPs(fromList: "# tor\n192.0.2.7\n", suspicious: false)
        lists.addIPs(fromList: "198.51.100.0/24 # feed\n2001:db8::1\n", suspicious: true)
        let a = UserBehaviorAnalyzer(lists: lists)
        #expect(a.accessFindings(event(0, seconds: 0, ip: "192.0.2.7")).map(\.type) == [.accessAnonymizedIP])
        #expect(a.accessFindings(event(0, seconds: 0, ip: "198.51.100.42")).map(\.type) == [.accessSuspiciousIP])
        #expect(a.accessFindings(event(0, seconds: 0, ip: "198.51.101.42")).isEmpty)
        #expect(a.accessFindings(event(0, seconds: 0, ip: "2001:db8::1")).map(\.type) == [.accessSuspiciousIP])
        #expect(a.accessFindings(event(0, seconds: 0, ua: "Mozilla/5.0 garak/0.9")).map(\.type) == [.accessSuspiciousUserAgent])
        #expect(a.accessFindings(event(0, seconds: 0, ip: "203.0.113.9", ua: "Mozilla/5.0 (X11; Linux)")).isEmpty)
    }
}
