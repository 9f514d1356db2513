import ArgumentParser
import Foundation
import RecutData
import RecutTrain

/// `recut evaluate`: test metrics of a checkpoint, beside the popularity baseline.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Test metrics of a checkpoint (masked and unmasked, k = 1, 5, 10, 20, 100) beside the popularity baseline.",
        discussion: """
            The data and its split are rebuilt from the settings saved in the checkpoint. Split flags \
            evaluate on another split of the same data (another target rule, say); one whose test \
            targets the checkpoint trained on is refused.
            """)

    @Option(help: "A run's output folder (its best/ checkpoint is used) or a checkpoint folder.")
    var checkpoint: String

    @Option(help: "Device: auto, cpu or cuda (default: the checkpoint's setting).")
    var device: TrainingConfig.Device?

    @OptionGroup(title: "Another split than the checkpoint's")
    var splitting: SplitOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Flag(help: "Evaluate although the data differs from the data the checkpoint was trained on.")
    var allowDataChange = false

    func run() throws {
        let folder = CheckpointPath.folder(checkpoint)
        let saved = try CheckpointStore.load(from: folder)
        var config = saved.config
        if let device { config.device = device }
        config = try config.applying(overrides: splitting.overrides)
        let setup = try RunSetup(config: config, recordedIn: folder)
        try saved.data?.check(setup.loaded.dataset, checkpoint: folder, allowChange: allowDataChange)
        if config.split != saved.config.split || config.splitRules != saved.config.splitRules {
            let trained = try RecutData.split(setup.loaded.dataset, strategy: saved.config.split, rules: saved.config.splitRules)
            let leaked = setup.split.testCasesInTraining(of: trained)
            guard leaked == 0 else {
                throw CommandFailure("\(config.splitDescription): \(leaked) of \(setup.split.test.count) test cases target "
                    + "events that \(folder) trained on (its split: \(saved.config.splitDescription)); "
                    + "evaluate on a split whose test targets come after its training data")
            }
            log("evaluating on \(config.splitDescription) instead of the checkpoint's \(saved.config.splitDescription)")
        }
        guard saved.items == setup.loaded.dataset.items.names else {
            throw CommandFailure("\(folder): the data's items differ from the checkpoint's; has \(saved.config.data ?? "the synthetic data") changed?")
        }
        let model = try saved.makeModel(backend: setup.backend, folder: folder)
        let metrics = TestMetrics.measure(ModelRanking(model: model), split: setup.split)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(metrics), as: UTF8.self))
        } else {
            print("checkpoint \(folder), test cases of \(saved.config.data ?? "the synthetic data"):")
            print(metrics.formatted())
        }
    }
}
