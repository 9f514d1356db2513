import ArgumentParser
import RecutCPU

@main
struct Recut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train sequential recommenders on large item catalogs.",
        version: "recut 0.1.0; CPU matrix products: \(CPUBackend.matrixProducts)",
        subcommands: [
            TrainCommand.self, EvaluateCommand.self, RecommendCommand.self, ServeCommand.self, DataCommand.self,
            SelftestCommand.self, BenchCommand.self, DistributedCheckCommand.self,
        ])
}
