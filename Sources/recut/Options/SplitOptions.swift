import ArgumentParser

/// How a dataset is cut into training, validation and test: the `split`, `cut-time` and
/// `cut-quantile` settings.
struct SplitOptions: ParsableArguments {
    @Option(help: "Split: leave-one-out (default) or temporal.")
    var split: String?

    @Option(help: "Temporal split: cut at this time (same unit as the timestamps).")
    var cutTime: Double?

    @Option(help: "Temporal split: cut at this quantile of all event times (0 < q < 1).")
    var cutQuantile: Double?

    /// The settings given on the command line, keyed by setting name.
    var overrides: [String: String] {
        var result: [String: String] = [:]
        result["split"] = split
        result["cut-time"] = cutTime.map { "\($0)" }
        result["cut-quantile"] = cutQuantile.map { "\($0)" }
        return result
    }
}
