import ArgumentParser
import RecutData

/// How a dataset is cut into training, validation and test.
struct SplitOptions: ParsableArguments {
    @Option(help: "Split: leave-one-out or temporal.")
    var split = "leave-one-out"

    @Option(help: "Temporal split: cut at this time (same unit as the timestamps).")
    var cutTime: Double?

    @Option(help: "Temporal split: cut at this quantile of all event times (0 < q < 1).")
    var cutQuantile: Double?

    func validate() throws { _ = try strategy }

    var strategy: SplitStrategy {
        get throws {
            switch (split, cutTime, cutQuantile) {
            case ("leave-one-out", nil, nil): return .leaveOneOut
            case ("leave-one-out", _, _): throw ValidationError("--cut-time and --cut-quantile need --split temporal")
            case ("temporal", let time?, nil): return .temporal(.time(time))
            case ("temporal", nil, let quantile?): return .temporal(.quantile(quantile))
            case ("temporal", _, _): throw ValidationError("--split temporal needs exactly one of --cut-time or --cut-quantile")
            default: throw ValidationError("unknown --split \(split); use leave-one-out or temporal")
            }
        }
    }
}
