import ArgumentParser
import Foundation
import RecutData
import RecutTrain

/// Where the interactions come from and how they are cleaned: shared by every command that reads data.
///
/// Each option is a `TrainingConfig` setting of the same name; only the options given on the
/// command line become overrides, so that they take precedence over a config file without
/// resetting what the file says.
struct DataSourceOptions: ParsableArguments {
    @Argument(help: "Interaction file (CSV/TSV with a header, RecBole .inter, MovieLens ratings.dat, or 'user item' lines).")
    var file: String?

    @Flag(help: "Use the embedded synthetic dataset instead of a file.")
    var synthetic = false

    @Option(help: "File format: auto, \(InteractionFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: auto, detected).")
    var format: String?

    @Option(help: "Columns by name or 0-based index, e.g. user=uid,item=movie,timestamp=ts,rating=stars.")
    var columns: String?

    @Flag(help: "Skip malformed rows (and report how many) instead of stopping at the first.")
    var skipBadRows = false

    @Option(help: "Keep only events rated at least this much.")
    var minRating: Double?

    @Flag(help: "Drop an event that repeats the user's previous item.")
    var dropRepeats = false

    @Option(help: "Iteratively drop users with fewer events than this.")
    var userCore: Int?

    @Option(help: "Iteratively drop items with fewer events than this.")
    var itemCore: Int?

    @Option(help: "Folder for the preprocessed-dataset cache (default: .recut-cache beside the file).")
    var cacheDirectory: String?

    @Flag(help: "Neither read nor write the preprocessed-dataset cache.")
    var noCache = false

    @OptionGroup(title: "Synthetic dataset")
    var syntheticOptions: SyntheticOptions

    func validate() throws {
        if synthetic && file != nil {
            throw ValidationError("give either an interaction FILE or --synthetic, not both")
        }
    }

    /// The settings given on the command line, keyed by setting name.
    var overrides: [String: String] {
        var result: [String: String] = [:]
        if let file { result["data"] = file }
        if synthetic { result["data"] = "none" }
        result["format"] = format
        result["columns"] = columns
        if skipBadRows { result["skip-bad-rows"] = "true" }
        result["min-rating"] = minRating.map { "\($0)" }
        if dropRepeats { result["drop-repeats"] = "true" }
        result["user-core"] = userCore.map(String.init)
        result["item-core"] = itemCore.map(String.init)
        result["cache-directory"] = cacheDirectory
        if noCache { result["cache"] = "false" }
        return result.merging(syntheticOptions.overrides) { $1 }
    }

    /// The data settings of the command line over the defaults, for the `recut data` commands,
    /// which need a FILE or `--synthetic`.
    func dataConfig() throws -> TrainingConfig {
        guard synthetic || file != nil else { throw ValidationError("give either an interaction FILE or --synthetic") }
        let config = try TrainingConfig().applying(overrides: overrides)
        try checkOptionsApply(to: config)
        return config
    }

    /// Refuses options given on the command line that `config`'s data source would ignore:
    /// file-reading options on the synthetic data, generator options with a file.
    func checkOptionsApply(to config: TrainingConfig) throws {
        let fileOptions = [("--format", format != nil), ("--columns", columns != nil), ("--skip-bad-rows", skipBadRows)]
        if config.data == nil, let (name, _) = fileOptions.first(where: \.1) {
            throw ValidationError("\(name) reads an interaction file, but the run uses the synthetic data; give a FILE")
        }
        if config.data != nil, let name = syntheticOptions.givenNames.first {
            throw ValidationError("\(name) shapes the synthetic data, but the run reads \(config.data!); "
                                  + "drop it or use --synthetic")
        }
    }
}

/// The size and seed of the generated dataset.
struct SyntheticOptions: ParsableArguments {
    @Option(name: [.customLong("synthetic-users"), .customLong("users")], help: "Synthetic users (default \(TrainingConfig().syntheticUsers)).")
    var users: Int?
    @Option(name: [.customLong("synthetic-items"), .customLong("items")], help: "Synthetic items (default \(TrainingConfig().syntheticItems)).")
    var items: Int?
    @Option(name: [.customLong("synthetic-mean-length"), .customLong("mean-length")],
            help: "Synthetic mean sequence length (default \(TrainingConfig().syntheticMeanLength)).")
    var meanLength: Int?
    @Option(name: [.customLong("synthetic-seed"), .customLong("data-seed")],
            help: "Seed of the synthetic generator (default \(TrainingConfig().syntheticSeed)).")
    var dataSeed: Int?

    /// The flags given on the command line, as the user spells the long names.
    var givenNames: [String] {
        [("--synthetic-users", users != nil), ("--synthetic-items", items != nil),
         ("--synthetic-mean-length", meanLength != nil), ("--synthetic-seed", dataSeed != nil)].filter(\.1).map(\.0)
    }

    /// The settings given on the command line, keyed by setting name.
    var overrides: [String: String] {
        var result: [String: String] = [:]
        result["synthetic-users"] = users.map(String.init)
        result["synthetic-items"] = items.map(String.init)
        result["synthetic-mean-length"] = meanLength.map(String.init)
        result["synthetic-seed"] = dataSeed.map(String.init)
        return result
    }

    /// The generator settings: the defaults with the given options.
    func config() throws -> SyntheticConfig {
        try TrainingConfig().applying(overrides: overrides).syntheticConfig
    }
}

/// Writes a progress or status line to stderr, keeping stdout for results.
func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
