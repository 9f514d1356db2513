/// Every setting of `recut train`, with defaults that match the PyTorch reference run
/// (shared/bench/sasrec_reference.py).
///
/// The same flat key names serve the config file (TOML or YAML), the command-line flags and the
/// `config.json` of a checkpoint: the key `max-length` is the flag `--max-length`. See
/// `TrainingConfig+Loading.swift` for files and overrides.
public struct TrainingConfig: Codable, Sendable, Equatable {
    // MARK: Data

    /// Interaction file to train on; nil trains on the synthetic generator's data.
    public var data: String?
    /// How to read `data`.
    public var format: InputFormat = .auto
    /// Column names of user, item and (optionally) timestamp; nil finds them from the header.
    public var columns: [String]?
    /// How events are divided into training, validation and test.
    public var split: SplitMethod = .leaveOneOut
    /// Cut time T of the temporal split (same unit as the timestamps): test targets are the
    /// events at or after T.
    public var splitCut: Double?

    // MARK: Loss and negatives

    /// Training loss.
    public var loss: Loss = .crossEntropy
    /// Negatives per positive for the sampled losses (K).
    public var negatives = 256
    /// Distribution negatives are drawn from.
    public var sampler: Sampler = .uniform
    /// Which positions share a set of negatives.
    public var negativeGranularity: NegativeGranularity = .perPosition
    /// Subtract log q(item) from sampled logits, correcting the bias of a non-uniform sampler.
    public var logQCorrection = false
    /// Calibration t of gBCE (0 is plain BCE, 1 fully calibrated).
    public var gbceT = 0.75

    // MARK: Model

    /// Longest input sequence (L); longer histories keep their last L events.
    public var maxLength = 200
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
    /// Most epochs to train.
    public var epochs = 300
    /// Epochs without a better validation NDCG before stopping early.
    public var patience = 30
    /// Seed of every random choice (initialisation, shuffling, negatives, dropout); at least 0
    /// and an Int because TOML integers are signed 64-bit.
    public var seed = 0
    /// Where to compute.
    public var device: Device = .auto
    /// Folder of checkpoints and metrics (see `CheckpointStore`).
    public var output = "runs/recut"
    /// Cut-offs k of the ranking metrics; the first one selects the best epoch.
    public var evaluationKs = [10]

    // MARK: Synthetic data (used when `data` is nil)

    /// Users the generator makes.
    public var syntheticUsers = 1000
    /// Items the generator makes.
    public var syntheticItems = 1000
    /// Mean events per user.
    public var syntheticMeanLength = 20.0
    /// Seed of the generator, apart from the training seed so that data stays fixed across runs.
    public var syntheticSeed = 0

    /// The defaults.
    public init() {}

    /// The flat key of each setting, shared by files, flags and config.json.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case data, format, columns, split
        case splitCut = "split-cut"
        case loss, negatives, sampler
        case negativeGranularity = "negative-granularity"
        case logQCorrection = "log-q-correction"
        case gbceT = "gbce-t"
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
        case epochs, patience, seed, device, output
        case evaluationKs = "eval-ks"
        case syntheticUsers = "synthetic-users"
        case syntheticItems = "synthetic-items"
        case syntheticMeanLength = "synthetic-mean-length"
        case syntheticSeed = "synthetic-seed"
    }

    /// Layout of the interaction file.
    public enum InputFormat: String, Codable, Sendable, CaseIterable {
        /// Decide from the extension and the first line.
        case auto
        /// Comma-separated with a header.
        case csv
        /// Tab-separated with a header (RecBole's .inter files).
        case tsv
        /// MovieLens `user::item::rating::time` lines.
        case dat
        /// Whitespace-separated `user item` lines, in time order.
        case lines
    }

    /// How events are divided into training, validation and test.
    public enum SplitMethod: String, Codable, Sendable, CaseIterable {
        /// Per user: last event is the test target, second last the validation target.
        case leaveOneOut = "leave-one-out"
        /// Global time cut `split-cut`: test targets after it, validation before it.
        case temporal
    }

    /// The training loss (see DESIGN.md, Losses).
    public enum Loss: String, Codable, Sendable, CaseIterable {
        /// Full softmax over the catalog.
        case crossEntropy = "ce"
        /// Softmax over the positive and K sampled negatives.
        case sampledCrossEntropy = "ce-"
        /// SASRec's binary cross-entropy with K negatives.
        case binaryCrossEntropy = "bce"
        /// gSASRec's calibrated binary cross-entropy (see `gbceT`).
        case generalizedBinaryCrossEntropy = "gbce"
    }

    /// The distribution negatives are drawn from.
    public enum Sampler: String, Codable, Sendable, CaseIterable {
        /// Every item equally likely.
        case uniform
        /// Items in proportion to their training frequency.
        case popularity
    }

    /// Which positions share one set of K negatives.
    public enum NegativeGranularity: String, Codable, Sendable, CaseIterable {
        /// Each position draws its own negatives: [N, K].
        case perPosition = "per-position"
        /// All positions of a sequence share: [B, K].
        case perSequence = "per-sequence"
        /// The whole batch shares: [K].
        case perBatch = "per-batch"
    }

    /// Where to compute.
    public enum Device: String, Codable, Sendable, CaseIterable {
        /// CUDA when libcuda loads, else the CPU.
        case auto
        /// The CPU backend.
        case cpu
        /// The CUDA backend; fails if no GPU is usable.
        case cuda
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
        try check(columns.map { (2...3).contains($0.count) } ?? true, .columns, columns?.joined(separator: ","),
                  "name the user, item and optionally timestamp columns, in that order")
        try check(split != .temporal || splitCut != nil, .splitCut, splitCut, "split = temporal needs a cut time")
        try check(split == .temporal || splitCut == nil, .splitCut, splitCut, "a cut time needs split = temporal")
        try check(negatives >= 1, .negatives, negatives, "must be at least 1")
        try check((0...1).contains(gbceT), .gbceT, gbceT, "must be in 0...1")
        try check(maxLength >= 1, .maxLength, maxLength, "must be at least 1")
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
        try check(epochs >= 1, .epochs, epochs, "must be at least 1")
        try check(patience >= 1, .patience, patience, "must be at least 1")
        try check(!output.isEmpty, .output, output, "must name a folder")
        try check(!evaluationKs.isEmpty && evaluationKs.allSatisfy { $0 >= 1 }, .evaluationKs,
                  evaluationKs.map(String.init).joined(separator: ","), "must list cut-offs of at least 1")
        try check(syntheticUsers >= 1, .syntheticUsers, syntheticUsers, "must be at least 1")
        try check(syntheticItems >= 1, .syntheticItems, syntheticItems, "must be at least 1")
        try check(syntheticMeanLength >= 1, .syntheticMeanLength, syntheticMeanLength, "must be at least 1")
        try check(syntheticSeed >= 0, .syntheticSeed, syntheticSeed, "must not be negative")
    }
}
