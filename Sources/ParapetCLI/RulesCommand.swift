import ArgumentParser
import Foundation
import ParapetDetect

/// `parapet rules lint|test|list [PACK...]`: check rule packs (the shipped ones when no file is given).
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Lint and test detection rule packs (YAML).",
        subcommands: [Lint.self, Test.self, List.self])

    static func packs(_ paths: [String]) throws -> [RulePack] {
        paths.isEmpty ? try RulePack.shipped() : try paths.map { try RulePack.load(path: $0) }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check rule packs: schema, ids, signals, confidence, regex safety (no nested quantifiers), examples.")
        @Argument(help: "Rule pack files; the shipped packs when none is given.")
        var packs: [String] = []
        @Flag(help: "Treat warnings as errors.")
        var strict = false

        func run() throws {
            let p = try RulesCommand.packs(packs)
            let issues = RuleLinter.lint(p)
            for i in issues { print(i.description) }
            do { print(try RuleSet(packs: p).matcherSummary) } catch {
                print("error: \(error)")
                throw ExitCode(1)
            }
            let errors = issues.filter { $0.level == .error }.count
            let warnings = issues.count - errors
            print("\(p.reduce(0) { $0 + $1.rules.count }) rules in \(p.count) pack(s): \(errors) errors, \(warnings) warnings")
            if errors > 0 || (strict && warnings > 0) { throw ExitCode(1) }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every rule's positive and negative examples through normalisation and matching.")
        @Argument(help: "Rule pack files; the shipped packs when none is given.")
        var packs: [String] = []

        func run() throws {
            let set = try RuleSet(packs: try RulesCommand.packs(packs))
            let (checked, failures) = set.testExamples()
            for f in failures { print("FAIL \(f.description)") }
            print("\(checked - failures.count) passed, \(failures.count) failed")
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the rules of the packs.")
        @Argument(help: "Rule pack files; the shipped packs when none is given.")
        var packs: [String] = []

        func run() throws {
            for p in try RulesCommand.packs(packs) {
                print("# \(p.pack) \(p.version ?? "")")
                for r in p.rules {
                    print("\(r.id)\t\(r.type)\(r.subtype.map { "/" + $0 } ?? "")\tsignal=\(r.signal)\tconfidence=\(r.confidence)\(r.alert ? "\talert" : "")\t\(r.title)")
                }
            }
        }
    }
}
