import Foundation
import ParapetCore

/// Rule packs compiled for matching: every phrase and every proximity word of every rule in ONE Aho–Corasick
/// automaton, evaluated per rule after a single pass over the text. Regexes (rare, linted) run after.
public struct RuleSet: Sendable {
    public let rules: [Rule]
    let automaton: AhoCorasick
    /// Pattern -> the (rule, slot) uses, flattened: the uses of pattern p are `useList[useStart[p]..<useStart[p + 1]]`
    /// (one contiguous array: no retain / release of an inner array per hit). For a phrase (clause -1) slot is the
    /// phrase's index in the rule; for a near clause, slot k of clause `clause`. A phrase and its inflected forms
    /// (`RuleInflections`) share one use.
    let useList: [Use]
    let useStart: [Int32]
    let regexes: [[NSRegularExpressionBox]]
    /// The rules that have regexes (most have none; the loop over them runs on every message).
    let regexRules: [Int]
    /// The roles each rule applies to, as a bit set over `Role` (the per-hit role check is on the hot path).
    let ruleRoleBits: [UInt8]
    let normalizer: Normalizer

    /// Near clauses numbered densely over all rules: owner rule, clause index in the rule, number of slots.
    let clauseOwners: [(rule: Int, clause: Int, slots: Int)]
    /// Each near clause's mask once every slot was seen: (1 << slots) - 1.
    let clauseFull: [UInt64]

    /// `Use.clause` of an `unless` phrase.
    static let vetoClause: Int16 = -2

    struct Use: Sendable, Hashable {
        var rule: Int32
        var clause: Int16
        var slot: Int16
        /// Dense clause number (index into `clauseOwners`), -1 for a phrase.
        var cid: Int32 = -1
    }

    /// A rule that matched, with the text that matched it.
    public struct Match: Sendable, Hashable {
        public var rule: Int
        public var text: String
        public var count: Int
    }

    public init(packs: [RulePack], normalizer: Normalizer = .init()) throws {
        self.normalizer = normalizer
        var rules: [Rule] = []
        for p in packs { rules.append(contentsOf: p.rules) }
        var patternIndex: [String: Int] = [:]
        var patterns: [[UInt8]] = []
        var uses: [[Use]] = []
        func add(_ raw: String, _ use: Use) {
            // "=phrase": this form only, no inflections
            let exact = raw.hasPrefix("=")
            let base = normalizer.fold(exact ? String(raw.dropFirst()) : raw)
            guard !base.isEmpty else { return }
            for norm in exact ? [base] : RuleInflections.variants(of: base) {
                if let i = patternIndex[norm] {
                    if !uses[i].contains(use) { uses[i].append(use) }
                } else {
                    patternIndex[norm] = patterns.count
                    patterns.append(Array(norm.utf8))
                    uses.append([use])
                }
            }
        }
        var regexes: [[NSRegularExpressionBox]] = []
        var owners: [(rule: Int, clause: Int, slots: Int)] = []
        for (ri, r) in rules.enumerated() {
            // a phrase's slot is its index in the rule, so that its inflected forms count as one for min_matches
            for (pi, ph) in (r.patterns.phrases ?? []).enumerated() { add(ph, Use(rule: Int32(ri), clause: -1, slot: Int16(clamping: pi))) }
            for ph in r.patterns.unless ?? [] { add(ph, Use(rule: Int32(ri), clause: Self.vetoClause, slot: 0)) }
            for (ci, nr) in (r.patterns.near ?? []).enumerated() {
                let cid = Int32(owners.count)
                owners.append((rule: ri, clause: ci, slots: min(nr.words.count, 63)))
                for (si, slot) in nr.words.enumerated() where si < 63 {
                    for w in slot { add(w, Use(rule: Int32(ri), clause: Int16(ci), slot: Int16(si), cid: cid)) }
                }
            }
            var res: [NSRegularExpressionBox] = []
            for re in r.patterns.regex ?? [] {
                if let why = RuleLinter.regexHazard(re) {
                    throw RulePackError(origin: r.id, message: "regex rejected: \(why)")
                }
                res.append(NSRegularExpressionBox(try NSRegularExpression(pattern: re, options: [.caseInsensitive])))
            }
            regexes.append(res)
        }
        self.rules = rules
        self.ruleRoleBits = rules.map { $0.appliesTo.reduce(0) { $0 | Self.bit($1) } }
        self.clauseOwners = owners
        self.clauseFull = owners.map { (1 << UInt64($0.slots)) - 1 }
        self.automaton = AhoCorasick(patterns: patterns)
        var start: [Int32] = [0]
        start.reserveCapacity(uses.count + 1)
        for u in uses { start.append(start.last! + Int32(u.count)) }
        self.useList = uses.flatMap { $0 }
        self.useStart = start
        self.regexes = regexes
        self.regexRules = regexes.indices.filter { !regexes[$0].isEmpty }
    }

    /// Phrases, automaton states, byte classes and transition-table size, for `parapet rules lint`.
    public var matcherSummary: String {
        let a = automaton
        return "\(a.patternCount) phrases, \(a.stateCount) automaton states, \(a.classCount) byte classes, matcher tables \(a.tableBytes / 1024) KiB"
    }

    @inline(__always) static func bit(_ role: Role) -> UInt8 {
        switch role {
        case .user: 1
        case .assistant: 2
        case .system: 4
        case .tool: 8
        case .document: 16
        }
    }

    /// The rules that match `text` (already normalised), for a message of role `role`.
    public func match(_ text: String, role: Role?, hits: inout [AhoCorasick.Hit]) -> [Match] {
        hits.removeAll(keepingCapacity: true)
        var t = text
        t.withUTF8 { automaton.scan($0, into: &hits) }
        var out: [Match] = []
        var vetoed = RuleBits(count: rules.count)
        let roleBit = role.map(Self.bit) ?? 0
        if !hits.isEmpty {
            // phrase hits: rule -> (distinct phrases, first hit)
            var phraseHits: [Int: (Set<Int>, AhoCorasick.Hit)] = [:]
            // near clauses: first only a bitmask of the slots seen per clause (cheap, no allocation per hit);
            // the hits of a clause are gathered only when every slot was seen.
            // (zeroed with memset: `Array(repeating:count:)` stored the 205 words one by one, 1,600 instructions)
            var masks = [UInt64](unsafeUninitializedCapacity: clauseOwners.count) { b, count in
                if let p = b.baseAddress { memset(p, 0, b.count * MemoryLayout<UInt64>.stride) }
                count = b.count
            }
            var anyFull = false
            // Every use of every hit: unchecked reads of the tables (about 40 uses per 500-byte prompt, the common
            // words being slots of many near clauses).
            useList.withUnsafeBufferPointer { uses in
            useStart.withUnsafeBufferPointer { starts in
            ruleRoleBits.withUnsafeBufferPointer { roles in
            clauseFull.withUnsafeBufferPointer { full in
            masks.withUnsafeMutableBufferPointer { masks in
                for h in hits {
                    for k in Int(starts[h.pattern])..<Int(starts[h.pattern + 1]) {
                        let u = uses[k]
                        let ri = Int(u.rule)
                        if roleBit != 0, roles[ri] & roleBit == 0 { continue }
                        if u.clause == Self.vetoClause {
                            vetoed.insert(ri)
                        } else if u.cid < 0 {
                            var e = phraseHits[ri] ?? ([], h)
                            e.0.insert(Int(u.slot))
                            phraseHits[ri] = e
                        } else {
                            let c = Int(u.cid)
                            masks[c] |= 1 << UInt64(u.slot)
                            if masks[c] == full[c] { anyFull = true }
                        }
                    }
                }
            }
            }
            }
            }
            }
            var nearHits: [Int: [(Int, Int, AhoCorasick.Hit)]] = [:]
            if anyFull {
                for h in hits {
                    for k in Int(useStart[h.pattern])..<Int(useStart[h.pattern + 1]) where useList[k].cid >= 0 {
                        let u = useList[k]
                        let c = Int(u.cid)
                        guard masks[c] == clauseFull[c] else { continue }
                        nearHits[c, default: []].append((h.token, Int(u.slot), h))
                    }
                }
            }
            if !phraseHits.isEmpty || !nearHits.isEmpty {
                let utf8 = Array(text.utf8)
                func excerpt(_ h: AhoCorasick.Hit) -> String {
                    String(decoding: utf8[h.start..<min(h.end, h.start + 120)], as: UTF8.self)
                }
                var matched = vetoed  // a vetoed rule counts as done: nothing below may add it
                for (ri, e) in phraseHits where e.0.count >= (rules[ri].patterns.minMatches ?? 1) && !vetoed.contains(ri) {
                    matched.insert(ri)
                    out.append(Match(rule: ri, text: excerpt(e.1), count: e.0.count))
                }
                for (c, list) in nearHits.sorted(by: { $0.key < $1.key }) {
                    let ri = clauseOwners[c].rule, ci = clauseOwners[c].clause
                    guard !matched.contains(ri), let clause = rules[ri].patterns.near?[ci] else { continue }
                    if let span = Self.window(list, slots: clause.words.count, within: clause.within) {
                        matched.insert(ri)
                        let s = span.0.start, e = max(span.1.end, span.0.end)
                        out.append(Match(rule: ri, text: String(decoding: utf8[s..<min(e, s + 160)], as: UTF8.self), count: 1))
                    }
                }
            }
        }
        for ri in regexRules {
            let res = regexes[ri]
            if roleBit != 0, ruleRoleBits[ri] & roleBit == 0 { continue }
            if vetoed.contains(ri) { continue }
            if out.contains(where: { $0.rule == ri }) { continue }
            for box in res {
                let ns = text as NSString
                if let m = box.re.firstMatch(in: text, range: NSRange(location: 0, length: min(ns.length, 20_000))) {
                    out.append(Match(rule: ri, text: String(ns.substring(with: m.range).prefix(120)), count: 1))
                    break
                }
            }
        }
        // length-limited rules (`max_words`): the text's word count, computed only when one of them matched
        if out.contains(where: { rules[$0.rule].patterns.maxWords != nil }) {
            let limit = out.compactMap { rules[$0.rule].patterns.maxWords }.max()! + 1
            let words = Normalizer.wordCount(text, limit: limit)
            out.removeAll { rules[$0.rule].patterns.maxWords.map { words > $0 } ?? false }
        }
        return out.sorted { $0.rule < $1.rule }
    }

    /// The smallest token window holding every slot, if it is at most `within` tokens wide.
    static func window(_ hits: [(Int, Int, AhoCorasick.Hit)], slots: Int, within: Int) -> (AhoCorasick.Hit, AhoCorasick.Hit)? {
        let sorted = hits.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.2.start < $1.2.start) }
        var count = [Int](repeating: 0, count: slots)
        var have = 0
        var lo = 0
        var best: (Int, Int)?
        for hi in sorted.indices {
            let s = sorted[hi].1
            if count[s] == 0 { have += 1 }
            count[s] += 1
            while have == slots {
                let width = sorted[hi].0 - sorted[lo].0
                if width <= within, best == nil || width < sorted[best!.1].0 - sorted[best!.0].0 { best = (lo, hi) }
                let s0 = sorted[lo].1
                count[s0] -= 1
                if count[s0] == 0 { have -= 1 }
                lo += 1
            }
        }
        guard let b = best else { return nil }
        return (sorted[b.0].2, sorted[b.1].2)
    }
}

/// NSRegularExpression is immutable and thread-safe once built.
struct NSRegularExpressionBox: @unchecked Sendable {
    let re: NSRegularExpression
    init(_ re: NSRegularExpression) { self.re = re }
}

// MARK: - Rule examples as tests

public struct RuleTestFailure: Sendable, Hashable, CustomStringConvertible {
    public var rule: String
    public var example: String
    public var expected: Bool
    public var description: String {
        "\(rule): \(expected ? "positive example not matched" : "negative example matched"): \(example.prefix(80))"
    }
}

extension RuleSet {
    /// Runs every rule's positive and negative examples through the normaliser and the matcher.
    public func testExamples() -> (checked: Int, failures: [RuleTestFailure]) {
        var checked = 0
        var failures: [RuleTestFailure] = []
        var hits: [AhoCorasick.Hit] = []
        for (ri, r) in rules.enumerated() {
            for (list, want) in [(r.examples?.positive ?? [], true), (r.examples?.negative ?? [], false)] {
                for ex in list {
                    checked += 1
                    let n = normalizer.normalize(ex)
                    var got = false
                    for t in n.scanTexts where match(t, role: nil, hits: &hits).contains(where: { $0.rule == ri }) {
                        got = true
                    }
                    if got != want { failures.append(RuleTestFailure(rule: r.id, example: ex, expected: want)) }
                }
            }
        }
        return (checked, failures)
    }
}

/// A set of rule indices as bits: the veto and match bookkeeping of `RuleSet.match` runs for every message, and
/// common veto words ("report", "how do") hit often; a hashed `Set<Int>` showed up in the profile.
struct RuleBits {
    private var words: [UInt64]

    init(count: Int) { words = [UInt64](repeating: 0, count: (count + 63) >> 6) }

    @inline(__always) mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    @inline(__always) func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
}
