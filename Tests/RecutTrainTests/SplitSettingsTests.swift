import Foundation
import RecutCPU
import RecutData
import Testing
@testable import RecutTrain

/// The split keys: parsed into the data layer's strategy and rules, recorded in config.json,
/// and refused where they do not apply.
@Suite struct SplitSettingsTests {
    @Test func splitKeysParseIntoStrategyAndRules() throws {
        let config = try TrainingConfig().applying(overrides: [
            "split": "last-n", "test-events": "3", "split-target": "all", "split-validation": "leave-one-out",
            "cold-item-targets": "drop", "drop-repeat-targets": "true", "min-input-length": "2",
        ])
        #expect(config.split == .lastEvents(3))
        #expect(config.splitRules == SplitRules(target: .all, validation: .leaveOneOut, coldItemTargets: .drop,
                                                dropRepeatTargets: true, minimumInputLength: 2))
        let ratio = try TrainingConfig().applying(overrides: ["split": "user-ratio", "test-ratio": "0.2"])
        #expect(ratio.split == .userRatio(0.2))
        let cold = try TrainingConfig().applying(overrides: ["split": "cold-users", "cold-user-share": "0.1", "split-seed": "7"])
        #expect(cold.split == .coldUsers(0.1) && cold.splitRules.seed == 7)
        let random = try TrainingConfig().applying(overrides: [
            "split": "temporal", "cut-quantile": "0.8", "split-target": "random", "split-seed": "3"])
        #expect(random.splitRules.target == .random && random.splitRules.seed == 3)
    }

    @Test func everySplitRoundTripsThroughConfigJSON() throws {
        let settings: [[String: String]] = [
            [:],
            ["split": "leave-one-out", "cold-item-targets": "drop", "min-input-length": "3"],
            ["split": "temporal", "cut-time": "100", "split-target": "last", "split-validation": "leave-one-out"],
            ["split": "temporal", "cut-quantile": "0.9", "split-target": "random", "split-seed": "5"],
            ["split": "last-n", "test-events": "2", "split-target": "all", "drop-repeat-targets": "true"],
            ["split": "user-ratio", "test-ratio": "0.25"],
            ["split": "cold-users", "cold-user-share": "0.1", "split-seed": "9"],
        ]
        for overrides in settings {
            let config = try TrainingConfig().applying(overrides: overrides)
            let decoded = try JSONDecoder().decode(TrainingConfig.self, from: try JSONEncoder().encode(config))
            #expect(decoded.split == config.split && decoded.splitRules == config.splitRules)
            #expect(decoded == config)
        }
    }

    @Test func keysThatDoNotApplyAreRefused() {
        func reason(_ overrides: [String: String]) -> String? {
            do {
                _ = try TrainingConfig().applying(overrides: overrides)
                return nil
            } catch let TrainError.invalidSetting(_, _, _, reason) {
                return reason
            } catch {
                return "\(error)"
            }
        }
        #expect(reason(["split-target": "last"])
            == "split-target does not apply to split = leave-one-out, which has one test event per user")
        #expect(reason(["split": "temporal", "cut-quantile": "0.9", "test-events": "2"]) == "test-events needs split = last-n")
        #expect(reason(["split": "temporal", "cut-quantile": "0.9", "split-seed": "2"])
            == "split-seed only applies to split-target = random or split = cold-users")
        #expect(reason(["split": "last-n"]) == "split = last-n needs test-events (the number of test events per user)")
        #expect(reason(["split": "last-n", "test-events": "0"]) == "must be at least 1")
        #expect(reason(["split": "user-ratio", "test-ratio": "1"]) == "must be strictly between 0 and 1")
        #expect(reason(["split": "cold-users", "cold-user-share": "0.5"])?.hasPrefix("must be strictly between 0 and 0.5") == true)
        #expect(reason(["min-input-length": "0"]) == "must be at least 1")
        #expect(reason(["split-target": "middle", "split": "temporal", "cut-time": "1"])
            == "expected one of first, last, random, all")
    }

    @Test func aSplitGivenLaterReplacesTheOthersKeys() throws {
        let file = try TrainingConfig().applying(overrides: [
            "split": "temporal", "cut-quantile": "0.9", "split-target": "random", "split-seed": "4"])
        let lastN = try file.applying(overrides: ["split": "last-n", "test-events": "2"])
        #expect(lastN.split == .lastEvents(2) && lastN.splitRules.target == .random && lastN.splitRules.seed == 4)
        let leaveOneOut = try file.applying(overrides: ["split": "leave-one-out"])
        #expect(leaveOneOut.split == .leaveOneOut && leaveOneOut.splitRules == SplitRules())
        let first = try file.applying(overrides: ["split-target": "first"])
        #expect(first.splitRules.target == .first && first.splitRules.seed == 0)
    }

    @Test func compareSyntaxRoundTripsTheSplitSettings() throws {
        #expect(TrainingConfig().splitDescription == "leave-one-out")
        let base = try TrainingConfig().applying(overrides: ["min-rating": "4"])
        for text in ["leave-one-out", "temporal:cut-quantile=0.9:split-target=all", "last-n:test-events=2:drop-repeat-targets=true",
                     "cold-users:cold-user-share=0.1:split-seed=3", "user-ratio:test-ratio=0.2:split-validation=leave-one-out"] {
            let config = try base.replacingSplit(with: text, source: "--compare")
            #expect(config.splitDescription == text)
            #expect(config.minimumRating == 4)
        }
        #expect(throws: TrainError.self) { try base.replacingSplit(with: "temporal:lr=1", source: "--compare") }
        #expect(throws: TrainError.self) { try base.replacingSplit(with: "sideways", source: "--compare") }
    }

    /// A checkpoint's config.json holds the split and its rules, so evaluate and resume rebuild
    /// exactly the cases the run was tested on.
    @Test func checkpointsRecordTheSplit() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = ResumeTests.config
        config.epochs = 1
        config.checkpointEvery = nil
        config.split = .temporal(.quantile(0.8))
        config.splitRules = SplitRules(target: .random, validation: .leaveOneOut, dropRepeatTargets: true, seed: 5)
        let dataset = try DatasetLoader.load(config).dataset
        let original = try split(dataset, strategy: config.split, rules: config.splitRules)
        let trainer = try Trainer(config: config, dataset: dataset, split: original, backend: CPUBackend(),
                                  store: CheckpointStore(directory: directory.path + "/run"))
        _ = try trainer.run()
        let saved = try CheckpointStore(directory: directory.path + "/run").load(.best)
        #expect(saved.config.split == config.split && saved.config.splitRules == config.splitRules)
        let rebuilt = try split(try DatasetLoader.load(saved.config).dataset, strategy: saved.config.split,
                                rules: saved.config.splitRules)
        #expect(rebuilt.test == original.test && rebuilt.validation == original.validation && rebuilt.train == original.train)
    }
}
