import ArgumentParser
import Foundation
import ParapetCore
import ParapetPipeline

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Print the verdict (and any alerts) for one text, for a quick check by hand.")

    @Argument(help: "The text to scan; '-' or nothing reads stdin.")
    var text: String?

    @Option(help: "Role of the text: user, assistant, system, tool, document.")
    var role: Role = .user

    func run() throws {
        let content: String
        if let text, text != "-" {
            content = text
        } else {
            content = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }
        var engine = try EngineFactory.makeEngine()
        let event = ChatEvent(eventID: "scan-1", sessionID: "scan", time: EventTime(micros: 0), role: role, content: content)
        let out = engine.process(event)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        print(String(decoding: try enc.encode(out.verdict), as: UTF8.self))
        for a in out.alerts {
            StandardError.write("alert: \(a.severity.rawValue) \(a.type.rawValue) (confidence \(a.confidence))")
        }
    }
}

extension Role: ExpressibleByArgument {}
