import ArgumentParser

/// `recut data`: look at, split and generate interaction data.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Inspect, split, audit or generate interaction data.",
        subcommands: [StatsCommand.self, SplitCommand.self, AuditCommand.self, GenerateCommand.self])
}
