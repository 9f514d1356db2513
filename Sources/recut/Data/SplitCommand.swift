import ArgumentParser
import RecutData
import RecutTrain

/// `recut data split`: write a split as files so that other tools use exactly the same one.
struct SplitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Write train.tsv, validation.tsv and test.tsv (see the README for the format).")

    @OptionGroup var source: DataSourceOptions
    @OptionGroup var splitting: SplitOptions

    @Option(help: "Folder to write the split into.")
    var out: String

    func run() throws {
        let config = try source.dataConfig().applying(overrides: splitting.overrides)
        let loaded = try DatasetLoader.load(config, log: log)
        let dataSplit = try RecutData.split(loaded.dataset, strategy: config.split, rules: config.splitRules)
        try SplitWriter().write(dataSplit, dataset: loaded.dataset, to: out)
        print("wrote \(out): \(dataSplit.train.eventCount) training events of \(dataSplit.train.count) users, "
            + "\(dataSplit.validation.count) validation cases, \(dataSplit.test.count) test cases")
    }
}
