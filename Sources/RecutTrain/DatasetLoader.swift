import RecutData

/// A dataset ready for splitting, with where it came from.
public struct LoadedDataset: Sendable {
    /// The preprocessed dataset.
    public var dataset: Dataset
    /// The file it was read from, or a description of the synthetic generator's settings.
    public var source: String
    /// Malformed rows skipped while reading (with `skip-bad-rows`).
    public var skippedRows: Int
    /// Whether the preprocessed cache was read instead of the file.
    public var reusedCache: Bool
}

/// Reads, preprocesses and caches the dataset a configuration names: the one path from
/// settings to a `Dataset` for every command (`recut data`, `train`, `evaluate`, `recommend`).
public enum DatasetLoader {
    /// Says how many events repeat an earlier one exactly (same user, item and time), if any:
    /// they are kept, but a careful user wants to know that the log records actions twice.
    private static func logDuplicates(_ dataset: Dataset, log: (String) -> Void) {
        let duplicates = DatasetStatistics.exactDuplicates(in: dataset.sequences)
        if duplicates > 0 {
            log(duplicates == 1
                ? "1 event repeats an earlier event's user, item and time exactly; it is kept"
                : "\(duplicates) events repeat an earlier event's user, item and time exactly; they are kept")
        }
    }

    /// The raw log of `config` in file order (before preprocessing), for checks that need the
    /// order of the rows: the file read again, or the synthetic generator's log.
    public static func fileOrder(_ config: TrainingConfig) throws -> InteractionLog {
        guard let file = config.data else { return SyntheticGenerator.generate(config.syntheticConfig) }
        let readOptions = ReadOptions(
            format: config.format, columns: try config.columns.map(ColumnSelection.init(parsing:)),
            skipBadRows: config.skipBadRows)
        return try InteractionReader.read(path: file, options: readOptions).log
    }

    /// The dataset of `config`: the interaction file `data` read with `format`, `columns` and
    /// `skip-bad-rows`, or the synthetic generator when `data` is nil; then preprocessed.
    ///
    /// A file's preprocessed dataset is cached (see `DatasetCache`) unless `cache` is false;
    /// the cache key covers every read and preprocessing setting. `log` receives status lines
    /// (skipped rows, cache reuse).
    public static func load(_ config: TrainingConfig, log: (String) -> Void = { _ in }) throws -> LoadedDataset {
        let preprocessOptions = config.preprocessOptions
        try preprocessOptions.validate()
        guard let file = config.data else {
            let synthetic = config.syntheticConfig
            try synthetic.validate()
            let dataset = try preprocess(SyntheticGenerator.generate(synthetic), options: preprocessOptions)
            return LoadedDataset(
                dataset: dataset,
                source: "synthetic(\(synthetic.users) users, \(synthetic.items) items, mean length \(synthetic.meanLength), seed \(synthetic.seed))",
                skippedRows: 0, reusedCache: false)
        }
        let readOptions = ReadOptions(
            format: config.format, columns: try config.columns.map(ColumnSelection.init(parsing:)),
            skipBadRows: config.skipBadRows)
        var skippedRows = 0
        func build() throws -> Dataset {
            let result = try InteractionReader.read(path: file, options: readOptions)
            skippedRows = result.skippedRows
            if result.skippedRows > 0 { log("skipped \(result.skippedRows) malformed rows of \(file)") }
            return try preprocess((consume result).log, options: preprocessOptions)
        }
        guard config.cache else {
            let dataset = try build()
            logDuplicates(dataset, log: log)
            return LoadedDataset(dataset: dataset, source: file, skippedRows: skippedRows, reusedCache: false)
        }
        let fingerprint = "read(format=\(config.format?.rawValue ?? "auto"),columns=\(config.columns ?? "auto"),"
            + "skip-bad-rows=\(config.skipBadRows))" + preprocessOptions.fingerprint
        let cache = DatasetCache(directory: config.cacheDirectory)
        let (dataset, reused, path) = try cache.load(source: file, fingerprint: fingerprint, build: build)
        if reused, let path { log("reused the preprocessed cache \(path)") }
        logDuplicates(dataset, log: log)
        return LoadedDataset(dataset: dataset, source: file, skippedRows: skippedRows, reusedCache: reused)
    }
}
