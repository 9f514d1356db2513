import ArgumentParser
import Foundation
import RecutData
import RecutTrain

/// `recut bench data`: load + preprocess + split one file, the stages timed apart, as one JSON line.
///
/// The fields match scripts/pandas_baseline.py so that both can be tabled side by side.
struct DataBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Time reading, preprocessing and a split of FILE (no cache; leave-one-out unless --split), with peak memory.")

    @Argument(help: "Interaction file.")
    var file: String

    @Option(help: "File format (default: detected).")
    var format: String?

    @OptionGroup var splitting: SplitOptions

    func run() throws {
        let settings = try TrainingConfig().applying(overrides: splitting.overrides)
        let clock = ContinuousClock()
        let start = clock.now
        let read = try InteractionReader.read(
            path: file, options: ReadOptions(format: format.flatMap(InteractionFormat.init(rawValue:))))
        let afterRead = clock.now
        let eventCount = read.log.count
        // `consume` hands the log over, so that preprocessing can release its columns.
        let dataset = try preprocess((consume read).log, options: PreprocessOptions())
        let afterPreprocess = clock.now
        let dataSplit = try split(dataset, strategy: settings.split, rules: settings.splitRules)
        let end = clock.now

        func seconds(_ duration: Duration) -> Double {
            ((Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18) * 1000).rounded() / 1000
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let fields: [(String, String)] = [
            ("tool", "\"recut\""), ("events", "\(eventCount)"), ("users", "\(dataset.userCount)"),
            ("read_s", "\(seconds(afterRead - start))"),
            ("preprocess_s", "\(seconds(afterPreprocess - afterRead))"),
            ("split_s", "\(seconds(end - afterPreprocess))"), ("total_s", "\(seconds(end - start))"),
            ("train_events", "\(dataSplit.train.eventCount)"), ("test_cases", "\(dataSplit.test.count)"),
            ("peak_rss_mb", "\((Double(usage.ru_maxrss) / 102.4).rounded() / 10)"),
        ]
        print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
    }
}
