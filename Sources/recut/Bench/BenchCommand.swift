import ArgumentParser

/// `recut bench`: measurements, kept apart from the tests (results go to BENCHMARKS.md).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Recut's speed and memory.",
        subcommands: [DataBenchCommand.self, StepBenchCommand.self, LossBenchCommand.self, RankBenchCommand.self,
                      ServeBenchCommand.self])
}
