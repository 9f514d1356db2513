import ArgumentParser
import Foundation
import RecutData
import RecutReport
import RecutTrain

/// `recut data audit`: how trustworthy an evaluation on this data and these splits is.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Core, temporal, repeat and timestamp statistics, and the validity of splits side by side.",
        discussion: """
            The split of the split flags is audited first, then each --compare split. A split is \
            written NAME[:key=value...] with the split keys of the config file, e.g. \
            temporal:cut-quantile=0.9:split-target=all.
            """)

    @OptionGroup var source: DataSourceOptions
    @OptionGroup var splitting: SplitOptions

    @Option(help: "More splits to audit beside it, separated by commas (NAME[:key=value...]).")
    var compare: String?

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    @Option(help: "Write an HTML report with charts to this file.")
    var report: String?

    @Flag(help: ArgumentHelp(
        "Train SASRec on the first split as is and with each user's training order shuffled; report both test NDCG@10.",
        discussion: "Training flags apply to both runs; epochs default to \(SequentialityCheck.defaultEpochs), patience to \(SequentialityCheck.defaultPatience)."))
    var sequentiality = false

    @OptionGroup(title: "Training (with --sequentiality)")
    var training: TrainingOptions

    func validate() throws {
        if !sequentiality, let name = training.overrides.keys.sorted().first {
            throw ValidationError("--\(name) sets the training of --sequentiality; give --sequentiality or drop it")
        }
        if training.output != nil || training.checkpointEvery != nil {
            throw ValidationError("the --sequentiality runs keep nothing on disk; drop --output and --checkpoint-every")
        }
    }

    func run() throws {
        let base = try source.dataConfig().applying(overrides: splitting.overrides.merging(training.overrides) { $1 })
        var configs = [base]
        for description in (compare ?? "").split(separator: ",") where !description.isEmpty {
            configs.append(try base.replacingSplit(with: String(description), source: "--compare \(description)"))
        }
        let loaded = try DatasetLoader.load(base, log: log)
        let splits = try configs.map { config in
            (name: config.splitDescription,
             split: try RecutData.split(loaded.dataset, strategy: config.split, rules: config.splitRules))
        }
        var audit = DataAudit(dataset: loaded.dataset, splits: splits, fileOrder: try DatasetLoader.fileOrder(base))
        if sequentiality {
            audit.sequentiality = try SequentialityCheck.run(
                config: base, dataset: loaded.dataset, split: splits[0].split, splitName: splits[0].name,
                backend: try RunSetup.backend(for: base.device), log: log)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let document = try encoder.encode(audit)
        if let report {
            let page = try AuditReport.html(json: document, title: "Recut data audit: \(loaded.source)")
            try AtomicFile.write(Data(page.utf8), to: report)
            log("wrote \(report)")
        }
        if json {
            print(String(decoding: document, as: UTF8.self))
        } else {
            print("source: \(loaded.source)")
            print(try AuditReport.text(json: document))
        }
    }
}
