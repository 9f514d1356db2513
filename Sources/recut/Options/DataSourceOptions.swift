import ArgumentParser
import Foundation
import RecutData

/// Where the interactions come from and how they are cleaned: shared by every command that reads data.
struct DataSourceOptions: ParsableArguments {
    @Argument(help: "Interaction file (CSV/TSV with a header, RecBole .inter, MovieLens ratings.dat, or 'user item' lines).")
    var file: String?

    @Flag(help: "Use the embedded synthetic dataset instead of a file.")
    var synthetic = false

    @Option(help: "File format: csv, tsv, recbole, movielens or pairs (default: detected).")
    var format: String?

    @Option(help: "Columns by name or 0-based index, e.g. user=uid,item=movie,timestamp=ts,rating=stars.")
    var columns: String?

    @Flag(help: "Skip malformed rows (and report how many) instead of stopping at the first.")
    var skipBadRows = false

    @Option(help: "Keep only events rated at least this much.")
    var minRating: Float?

    @Flag(help: "Drop an event that repeats the user's previous item.")
    var dropRepeats = false

    @Option(help: "Iteratively drop users with fewer events than this.")
    var userCore = 0

    @Option(help: "Iteratively drop items with fewer events than this.")
    var itemCore = 0

    @Option(help: "Folder for the preprocessed-dataset cache (default: .recut-cache beside the file).")
    var cacheDirectory: String?

    @Flag(help: "Neither read nor write the preprocessed-dataset cache.")
    var noCache = false

    @OptionGroup(title: "Synthetic dataset")
    var syntheticOptions: SyntheticOptions

    func validate() throws {
        if synthetic == (file != nil) {
            throw ValidationError("give either an interaction FILE or --synthetic")
        }
        if let format, InteractionFormat(rawValue: format) == nil {
            let known = InteractionFormat.allCases.map(\.rawValue).joined(separator: ", ")
            throw ValidationError("unknown --format \(format); known formats: \(known)")
        }
    }

    var preprocessOptions: PreprocessOptions {
        PreprocessOptions(minimumRating: minRating, dropConsecutiveRepeats: dropRepeats,
                          userCore: userCore, itemCore: itemCore)
    }

    /// Reads, cleans and (for files) caches the dataset, telling on stderr what happened.
    func loadDataset() throws -> LoadedDataset {
        let preprocessOptions = self.preprocessOptions
        try preprocessOptions.validate()
        guard let file else {
            let config = syntheticOptions.config
            try config.validate()
            let dataset = try preprocess(SyntheticGenerator.generate(config), options: preprocessOptions)
            return LoadedDataset(dataset: dataset, source: "synthetic(\(config.users) users, \(config.items) items, mean length \(config.meanLength), seed \(config.seed))")
        }
        let readOptions = ReadOptions(
            format: format.flatMap(InteractionFormat.init(rawValue:)),
            columns: try columns.map(ColumnSelection.init(parsing:)),
            skipBadRows: skipBadRows)
        var skippedRows = 0
        let build = {
            let result = try InteractionReader.read(path: file, options: readOptions)
            skippedRows = result.skippedRows
            if result.skippedRows > 0 { log("skipped \(result.skippedRows) malformed rows of \(file)") }
            return try preprocess((consume result).log, options: preprocessOptions)
        }
        if noCache { return LoadedDataset(dataset: try build(), source: file) }
        let fingerprint = "read(format=\(format ?? "auto"),columns=\(columns ?? "auto"),skip-bad-rows=\(skipBadRows))"
            + preprocessOptions.fingerprint
        let cache = DatasetCache(directory: cacheDirectory)
        let (dataset, reused) = try cache.load(source: file, fingerprint: fingerprint, build: build)
        if reused { log("reused the preprocessed cache \(try cache.cachePath(source: file, fingerprint: fingerprint))") }
        return LoadedDataset(dataset: dataset, source: file, skippedRows: skippedRows)
    }
}

/// The size and seed of the generated dataset.
struct SyntheticOptions: ParsableArguments {
    @Option(help: "Synthetic users.") var users = SyntheticConfig().users
    @Option(help: "Synthetic items.") var items = SyntheticConfig().items
    @Option(help: "Synthetic mean sequence length.") var meanLength = SyntheticConfig().meanLength
    @Option(help: "Seed of the synthetic generator.") var dataSeed = SyntheticConfig().seed

    var config: SyntheticConfig {
        SyntheticConfig(users: users, items: items, meanLength: meanLength, seed: dataSeed)
    }
}

/// A dataset ready for splitting, with a line saying where it came from.
struct LoadedDataset {
    var dataset: Dataset
    var source: String
    var skippedRows = 0
}

/// Writes a progress or status line to stderr, keeping stdout for results.
func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
