import ArgumentParser

/// `parapet`: threat protection for generative-AI chat streams.
public struct ParapetCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "parapet",
        abstract: "Threat protection for generative-AI chat streams: jailbreaks, prompt injection and multi-turn attacks.",
        version: ParapetVersion.string,
        subcommands: [ReplayCommand.self, ScanCommand.self, CatalogCommand.self, RunCommand.self, DemoCommand.self, RulesCommand.self, TrainCommand.self, BenchCommand.self])

    public init() {}
}

public enum ParapetVersion {
    public static let string = "0.1.0"
}
