import ArgumentParser

@main
struct Recut: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train sequential recommenders on large item catalogs.",
        subcommands: [
            TrainCommand.self, EvaluateCommand.self, RecommendCommand.self, DataCommand.self,
            SelftestCommand.self, BenchCommand.self, DistributedCheckCommand.self,
        ])
}
