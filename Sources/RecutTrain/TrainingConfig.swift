import RecutCore
import RecutData

/// Every setting of `recut train`, with defaults that match the PyTorch reference run
/// (shared/bench/sasrec_reference.py).
///
/// The same flat key names serve the config file (TOML or YAML), the command-line flags and the
/// `config.json` of a checkpoint: the key `max-length` is the flag `--max-length`. See
/// `TrainingConfig+Loading.swift` for files and overrides. Settings shared with the data layer
/// use its types (`InteractionFormat`, `SplitStrategy`, `NegativeGranularity`, `CollisionPolicy`).
public struct TrainingConfig: Sendable, Equatable {
    // MARK: Data

    /// Interaction file to train on; nil trains on the synthetic generator's data.
    public var data: String?
    /// How to read `data`; nil detects it from the file name and first line.
    public var format: InteractionFormat?
    /// Column choice in `--columns` syntax (`user=uid,item=movie,timestamp=ts,rating=stars`,
    /// names or 0-based positions); nil finds the columns from the header.
    public var columns: String?
    /// Skip malformed rows (and report how many) instead of stopping at the first.
    public var skipBadRows = false
    /// Keep only events rated at least this much; nil keeps every event.
    public var minimumRating: Double?
    /// Drop an event that repeats the user's previous item.
    public var dropRepeats = false
    /// Iteratively drop users with fewer events than this (0 keeps all).
    public var userCore = 0
    /// Iteratively drop items with fewer events than this (0 keeps all).
    public var itemCore = 0
    /// Read and write the preprocessed-dataset cache.
    public var cache = true
    /// Folder of the preprocessed-dataset cache; nil puts it in `.recut-cache` beside the file.
    public var cacheDirectory: String?
    /// How events are divided into training, validation and test (keys `split`, `cut-time`,
    /// `cut-quantile`, `test-events`, `test-ratio`, `cold-user-share`).
    public var split: SplitStrategy = .leaveOneOut
    /// Which events become targets and which cases are kept (keys `split-target`,
    /// `split-validation`, `cold-item-targets`, `drop-repeat-targets`, `min-input-length`,
    /// `split-seed`).
    public var splitRules = SplitRules()

    // MARK: Synthetic data (used when `data` is nil)

    /// Users the generator makes.
    public var syntheticUsers = SyntheticConfig().users
    /// Items the generator makes.
    public var syntheticItems = SyntheticConfig().items
    /// Mean events per user.
    public var syntheticMeanLength = SyntheticConfig().meanLength
    /// Seed of the generator, apart from the training seed so that data stays fixed across runs.
    public var syntheticSeed = Int(SyntheticConfig().seed)

    // MARK: Loss and negatives

    /// Training loss.
    public var loss: Loss = .crossEntropy
    /// Negatives per positive for the sampled losses (K).
    public var negatives = 256
    /// Distribution negatives are drawn from.
    public var sampler: Sampler = .uniform
    /// Which positions share a set of negatives.
    public var negativeGranularity: NegativeGranularity = .perPosition
    /// What happens to a negative equal to the target; the losses drop such logits anyway, so
    /// `keep` (the reference's choice) only costs a slot.
    public var collisions: CollisionPolicy = .keep
    /// Subtract log q(item) from sampled logits, correcting the bias of a non-uniform sampler.
    public var logQCorrection = false
    /// Calibration t of gBCE (0 is plain BCE, 1 fully calibrated).
    public var gbceT = 0.75
    /// Skip softmax weights below the precision's resolution in the backward pass of the fused
    /// losses (`cce`, `cce-`), as Cut Cross-Entropy does; nil (auto): on for `cce`, off for `cce-`
    /// (`GradientFilter.isOnByDefault`).
    public var gradientFiltering: Bool?

    /// Whether the fused loss filters gradients: `gradientFiltering`, else on for `cce` only.
    public var resolvedGradientFiltering: Bool {
        gradientFiltering ?? GradientFilter.isOnByDefault(sampledNegatives: loss != .fusedCrossEntropy)
    }

    // MARK: Model

    /// Longest input sequence (L); longer histories keep their last L events. nil: 200 with a
    /// data file, `Synthetic.maxLength` on synthetic data.
    public var maxLength: Int?
    /// Embedding and hidden size (d).
    public var dimension = 64
    /// Transformer blocks.
    public var blocks = 2
    /// Attention heads per block; must divide `dimension`.
    public var heads = 1
    /// Dropout rate on embeddings, attention and feed-forward outputs.
    public var dropout = 0.2
    /// Standard deviation of the normal initialisation of the item and position tables; 0
    /// keeps the default initialisation and scales item embeddings by sqrt(d).
    public var initStandardDeviation = 0.02

    // MARK: Optimizer

    /// Peak learning rate of AdamW.
    public var learningRate = 1e-3
    /// AdamW's first-moment decay.
    public var beta1 = 0.9
    /// AdamW's second-moment decay.
    public var beta2 = 0.98
    /// AdamW's decoupled weight decay.
    public var weightDecay = 0.0
    /// Steps of linear learning-rate warmup.
    public var warmupSteps = 0
    /// Learning-rate shape after the warmup.
    public var schedule: LearningRateSchedule.Shape = .constant
    /// Rate the cosine schedule decays to.
    public var learningRateFloor = 0.0
    /// Largest global gradient norm; nil does not clip.
    public var gradientClip: Double?

    // MARK: Loop

    /// Sequences per batch.
    public var batchSize = 64
    /// Most epochs to train; nil: 300 with a data file, `Synthetic.epochs` on synthetic data.
    public var epochs: Int?
    /// Epochs without a better validation NDCG before stopping early; nil: 30 with a data
    /// file, `Synthetic.patience` on synthetic data.
    public var patience: Int?
    /// Seed of every random choice (initialisation, shuffling, negatives, dropout); at least 0
    /// and an Int because TOML integers are signed 64-bit.
    public var seed = 0
    /// Where to compute.
    public var device: Device = .auto
    /// The arithmetic of training (see `Precision`); auto: the backend's preference (bf16 on
    /// GPUs that have it, fp32 on the CPU).
    public var precision: PrecisionSetting = .auto
    /// Folder of checkpoints and metrics (see `CheckpointStore`).
    public var output = "runs/recut"
    /// Cut-offs k of the ranking metrics; the first one selects the best epoch.
    public var evaluationKs = [10]
    /// Mask the input items when ranking validation cases (the reference picks epochs unmasked).
    public var maskValidation = false
    /// Save `last/` every this many optimizer steps inside an epoch too; nil saves at the end
    /// of each epoch only.
    public var checkpointEvery: Int?
    /// What a step whose loss or gradients are NaN or infinite does: stop the run naming the
    /// step (keeping the last good checkpoint), or skip that step's update and go on.
    public var onNonFinite: NonFinitePolicy = .stop

    /// The defaults.
    public init() {}

    /// Defaults of the settings left automatic (nil) when training on a data file: the
    /// reference run's.
    public enum FileDefaults {
        /// Longest input sequence L.
        public static let maxLength = 200
        /// Most epochs.
        public static let epochs = 300
        /// Early-stopping patience in epochs.
        public static let patience = 30
    }

    /// Defaults of the settings left automatic (nil) when training on synthetic data: small
    /// enough that the README's first command finishes in minutes on a laptop CPU.
    public enum SyntheticDefaults {
        /// Longest input sequence L (the generated sequences average 40 events).
        public static let maxLength = 40
        /// Most epochs.
        public static let epochs = 8
        /// Early-stopping patience in epochs.
        public static let patience = 3
    }

    /// Longest input sequence in effect.
    public var resolvedMaxLength: Int { maxLength ?? (data == nil ? SyntheticDefaults.maxLength : FileDefaults.maxLength) }
    /// Most epochs in effect.
    public var resolvedEpochs: Int { epochs ?? (data == nil ? SyntheticDefaults.epochs : FileDefaults.epochs) }
    /// Early-stopping patience in effect.
    public var resolvedPatience: Int { patience ?? (data == nil ? SyntheticDefaults.patience : FileDefaults.patience) }

    /// This configuration with every automatic setting replaced by its value, as a checkpoint stores it.
    public func resolved() -> TrainingConfig {
        var config = self
        config.maxLength = resolvedMaxLength
        config.epochs = resolvedEpochs
        config.patience = resolvedPatience
        return config
    }

    /// The generator settings of the synthetic dataset.
    public var syntheticConfig: SyntheticConfig {
        SyntheticConfig(users: syntheticUsers, items: syntheticItems, meanLength: syntheticMeanLength,
                        seed: UInt64(syntheticSeed))
    }

    /// The preprocessing settings.
    public var preprocessOptions: PreprocessOptions {
        PreprocessOptions(minimumRating: minimumRating.map(Float.init), dropConsecutiveRepeats: dropRepeats,
                          userCore: userCore, itemCore: itemCore)
    }

    /// The flat key of each setting, shared by files, flags and config.json.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case data, format, columns
        case skipBadRows = "skip-bad-rows"
        case minimumRating = "min-rating"
        case dropRepeats = "drop-repeats"
        case userCore = "user-core"
        case itemCore = "item-core"
        case cache
        case cacheDirectory = "cache-directory"
        case split
        case cutTime = "cut-time"
        case cutQuantile = "cut-quantile"
        case testEvents = "test-events"
        case testRatio = "test-ratio"
        case coldUserShare = "cold-user-share"
        case splitTarget = "split-target"
        case splitValidation = "split-validation"
        case coldItemTargets = "cold-item-targets"
        case dropRepeatTargets = "drop-repeat-targets"
        case minimumInputLength = "min-input-length"
        case splitSeed = "split-seed"
        case syntheticUsers = "synthetic-users"
        case syntheticItems = "synthetic-items"
        case syntheticMeanLength = "synthetic-mean-length"
        case syntheticSeed = "synthetic-seed"
        case loss, negatives, sampler
        case negativeGranularity = "negative-granularity"
        case collisions
        case logQCorrection = "log-q-correction"
        case gbceT = "gbce-t"
        case gradientFiltering = "gradient-filtering"
        case maxLength = "max-length"
        case dimension = "dim"
        case blocks, heads, dropout
        case initStandardDeviation = "init-std"
        case learningRate = "lr"
        case beta1, beta2
        case weightDecay = "weight-decay"
        case warmupSteps = "warmup-steps"
        case schedule
        case learningRateFloor = "lr-floor"
        case gradientClip = "grad-clip"
        case batchSize = "batch"
        case epochs, patience, seed, device, precision, output
        case evaluationKs = "eval-ks"
        case maskValidation = "mask-validation"
        case checkpointEvery = "checkpoint-every"
        case onNonFinite = "on-nonfinite"
    }

    /// The spellings of the `split` key.
    public enum SplitName: String, Codable, Sendable, CaseIterable {
        /// `SplitStrategy.leaveOneOut`.
        case leaveOneOut = "leave-one-out"
        /// `SplitStrategy.temporal`, with `cut-time` or `cut-quantile`.
        case temporal
        /// `SplitStrategy.lastEvents`, with `test-events`.
        case lastEvents = "last-n"
        /// `SplitStrategy.userRatio`, with `test-ratio`.
        case userRatio = "user-ratio"
        /// `SplitStrategy.coldUsers`, with `cold-user-share`.
        case coldUsers = "cold-users"

        /// The name of `strategy`.
        public init(_ strategy: SplitStrategy) {
            switch strategy {
            case .leaveOneOut: self = .leaveOneOut
            case .temporal: self = .temporal
            case .lastEvents: self = .lastEvents
            case .userRatio: self = .userRatio
            case .coldUsers: self = .coldUsers
            }
        }

        /// The keys that give this split its size (one of them is needed, except for leave-one-out).
        public var parameterKeys: [CodingKeys] {
            switch self {
            case .leaveOneOut: []
            case .temporal: [.cutTime, .cutQuantile]
            case .lastEvents: [.testEvents]
            case .userRatio: [.testRatio]
            case .coldUsers: [.coldUserShare]
            }
        }

        /// Every key that sizes some split.
        public static let allParameterKeys: [CodingKeys] = allCases.flatMap(\.parameterKeys)
    }

    /// The training loss (see DESIGN.md, Losses).
    public enum Loss: String, Codable, Sendable, CaseIterable {
        /// Full softmax over the catalog.
        case crossEntropy = "ce"
        /// Softmax over the positive and K sampled negatives.
        case sampledCrossEntropy = "ce-"
        /// Full softmax computed tile by tile, never materialising the logits (Cut Cross-Entropy).
        case fusedCrossEntropy = "cce"
        /// Sampled softmax with the negatives gathered and scored tile by tile, never materialised.
        case fusedSampledCrossEntropy = "cce-"
        /// SASRec's binary cross-entropy with K negatives.
        case binaryCrossEntropy = "bce"
        /// gSASRec's calibrated binary cross-entropy (see `gbceT`).
        case generalizedBinaryCrossEntropy = "gbce"
    }

    /// What a step with a non-finite loss or gradient does.
    public enum NonFinitePolicy: String, Codable, Sendable, CaseIterable {
        /// Stop the run with `TrainError.diverged`, naming the step.
        case stop
        /// Leave the weights and optimizer state as they were, leave the loss out of the epoch's
        /// mean, count the step as skipped, and go on (a whole epoch of skipped steps stops the run).
        case skipStep = "skip-step"
    }

    /// The distribution negatives are drawn from.
    public enum Sampler: String, Codable, Sendable, CaseIterable {
        /// Every item equally likely.
        case uniform
        /// Items in proportion to their training frequency.
        case popularity
    }

    /// Where to compute.
    public enum Device: String, Codable, Sendable, CaseIterable {
        /// CUDA when it is available, else the CPU.
        case auto
        /// The CPU backend.
        case cpu
        /// The CUDA backend; fails if no GPU is usable.
        case cuda
    }

    /// The spellings of the `precision` key.
    public enum PrecisionSetting: String, Codable, Sendable, CaseIterable {
        /// The backend's `preferredPrecision`.
        case auto
        /// `Precision.float32`.
        case fp32
        /// `Precision.bfloat16` (mixed precision with float32 master weights).
        case bf16

        /// The precision this setting picks on `backend`.
        public func resolved(on backend: any Backend) -> Precision {
            switch self {
            case .auto: backend.preferredPrecision
            case .fp32: .float32
            case .bf16: .bfloat16
            }
        }
    }

    /// The learning-rate schedule of a run of `totalSteps` optimizer steps.
    public func learningRateSchedule(totalSteps: Int) -> LearningRateSchedule {
        LearningRateSchedule(
            peak: learningRate, warmupSteps: warmupSteps, shape: schedule, totalSteps: totalSteps,
            floor: learningRateFloor)
    }

    /// Checks ranges and combinations; `source` names the file or flags in the error.
    public func validate(source: String) throws(TrainError) {
        func check(_ condition: Bool, _ key: CodingKeys, _ value: Any?, _ reason: String) throws(TrainError) {
            guard condition else {
                throw .invalidSetting(key: key.rawValue, value: value.map { "\($0)" } ?? "none", source: source, reason: reason)
            }
        }
        if let columns {
            do {
                _ = try ColumnSelection(parsing: columns)
            } catch {
                throw .invalidSetting(key: CodingKeys.columns.rawValue, value: columns, source: source, reason: "\(error)")
            }
        }
        try check(minimumRating.map(\.isFinite) ?? true, .minimumRating, minimumRating, "must be a finite number")
        try check(userCore >= 0, .userCore, userCore, "must not be negative")
        try check(itemCore >= 0, .itemCore, itemCore, "must not be negative")
        switch split {
        case .leaveOneOut: break
        case .temporal(.quantile(let q)): try check(q > 0 && q < 1, .cutQuantile, q, "must be strictly between 0 and 1")
        case .temporal(.time(let t)): try check(t.isFinite, .cutTime, t, "must be a finite number")
        case .lastEvents(let count): try check(count >= 1, .testEvents, count, "must be at least 1")
        case .userRatio(let ratio): try check(ratio > 0 && ratio < 1, .testRatio, ratio, "must be strictly between 0 and 1")
        case .coldUsers(let share): try check(share > 0 && share < 0.5, .coldUserShare, share,
                                              "must be strictly between 0 and 0.5 (as many users again go to validation)")
        }
        try check(splitRules.minimumInputLength >= 1, .minimumInputLength, splitRules.minimumInputLength, "must be at least 1")
        try check(negatives >= 1, .negatives, negatives, "must be at least 1")
        try check((0...1).contains(gbceT), .gbceT, gbceT, "must be in 0...1")
        try check(maxLength.map { $0 >= 1 } ?? true, .maxLength, maxLength, "must be at least 1")
        try check(dimension >= 1, .dimension, dimension, "must be at least 1")
        try check(blocks >= 1, .blocks, blocks, "must be at least 1")
        try check(heads >= 1 && dimension % heads == 0, .heads, heads, "must be at least 1 and divide dim (\(dimension))")
        try check(dropout >= 0 && dropout < 1, .dropout, dropout, "must be in 0..<1")
        try check(initStandardDeviation >= 0, .initStandardDeviation, initStandardDeviation, "must not be negative")
        try check(learningRate > 0, .learningRate, learningRate, "must be positive")
        try check(beta1 >= 0 && beta1 < 1, .beta1, beta1, "must be in 0..<1")
        try check(beta2 >= 0 && beta2 < 1, .beta2, beta2, "must be in 0..<1")
        try check(weightDecay >= 0, .weightDecay, weightDecay, "must not be negative")
        try check(warmupSteps >= 0, .warmupSteps, warmupSteps, "must not be negative")
        try check(learningRateFloor >= 0 && learningRateFloor <= learningRate, .learningRateFloor, learningRateFloor,
                  "must be in 0...lr (\(learningRate))")
        try check(gradientClip.map { $0 > 0 } ?? true, .gradientClip, gradientClip, "must be positive (or none)")
        try check(batchSize >= 1, .batchSize, batchSize, "must be at least 1")
        try check(seed >= 0, .seed, seed, "must not be negative")
        try check(epochs.map { $0 >= 1 } ?? true, .epochs, epochs, "must be at least 1")
        try check(patience.map { $0 >= 1 } ?? true, .patience, patience, "must be at least 1")
        try check(checkpointEvery.map { $0 >= 1 } ?? true, .checkpointEvery, checkpointEvery, "must be at least 1 (or none)")
        try check(!output.isEmpty, .output, output, "must name a folder")
        try check(!evaluationKs.isEmpty && evaluationKs.allSatisfy { $0 >= 1 && $0 <= CatalogRanking.maximumTopCount },
                  .evaluationKs, evaluationKs.map(String.init).joined(separator: ","),
                  "must list cut-offs in 1...\(CatalogRanking.maximumTopCount)")
        try check(syntheticUsers >= 1, .syntheticUsers, syntheticUsers, "must be at least 1")
        try check(syntheticItems >= 1, .syntheticItems, syntheticItems, "must be at least 1")
        try check(syntheticMeanLength >= 1, .syntheticMeanLength, syntheticMeanLength, "must be at least 1")
        try check(syntheticUsers <= Int(Int32.max) && syntheticItems <= Int(Int32.max), .syntheticUsers, syntheticUsers,
                  "synthetic users and items must stay below \(Int32.max)")
        try check(syntheticSeed >= 0, .syntheticSeed, syntheticSeed, "must not be negative")
    }
}
