import ArgumentParser
import RecutData
import RecutTrain

/// How a dataset is cut into training, validation and test: the split settings (`split`, its
/// size keys and its rules), shared by every command that builds a split.
struct SplitOptions: ParsableArguments {
    @Option(help: "Split: \(TrainingConfig.SplitName.allCases.map(\.rawValue).joined(separator: ", ")) (default leave-one-out).")
    var split: String?

    @Option(parsing: .unconditional, help: "Temporal split: cut at this time (same unit as the timestamps).")
    var cutTime: Double?

    @Option(parsing: .unconditional, help: "Temporal split: cut at this quantile of all event times (0 < q < 1).")
    var cutQuantile: Double?

    @Option(parsing: .unconditional, help: "last-n split: each user's last N events are the test period (the N before, validation).")
    var testEvents: Int?

    @Option(parsing: .unconditional, help: "user-ratio split: the last fraction r of each user's time span is the test period (0 < r < 1).")
    var testRatio: Double?

    @Option(parsing: .unconditional, help: "cold-users split: share of users held out for test, as many again for validation (0 < s < 0.5).")
    var coldUserShare: Double?

    @Option(help: "Targets in each period: \(TargetRule.allCases.map(\.rawValue).joined(separator: ", ")) (default first; all = every event, each from everything before it).")
    var splitTarget: String?

    @Option(help: "Validation: same (the test rule inside the training period, default) or leave-one-out (each user's last training event).")
    var splitValidation: String?

    @Option(help: "Validation and test targets whose item never occurs in training: keep (default) or drop.")
    var coldItemTargets: String?

    @Flag(help: "Drop validation and test cases whose target item already occurs in the input.")
    var dropRepeatTargets = false

    @Option(parsing: .unconditional, help: "Drop cases whose input holds fewer events than this (default 1).")
    var minInputLength: Int?

    @Option(parsing: .unconditional, help: "Seed of the random target and of the choice of cold users (default 0).")
    var splitSeed: Int?

    /// The settings given on the command line, keyed by setting name.
    var overrides: [String: String] {
        var result: [String: String] = [:]
        result["split"] = split
        result["cut-time"] = cutTime.map { "\($0)" }
        result["cut-quantile"] = cutQuantile.map { "\($0)" }
        result["test-events"] = testEvents.map(String.init)
        result["test-ratio"] = testRatio.map { "\($0)" }
        result["cold-user-share"] = coldUserShare.map { "\($0)" }
        result["split-target"] = splitTarget
        result["split-validation"] = splitValidation
        result["cold-item-targets"] = coldItemTargets
        if dropRepeatTargets { result["drop-repeat-targets"] = "true" }
        result["min-input-length"] = minInputLength.map(String.init)
        result["split-seed"] = splitSeed.map(String.init)
        return result
    }
}
