import ArgumentParser
import RecutTrain

/// The model, loss and loop settings of `recut train`, one option per `TrainingConfig` key.
///
/// Options are optional so that only those given on the command line override the config file;
/// values are checked when the overrides are applied.
struct TrainingOptions: ParsableArguments {
    @Option(help: "Loss: ce, ce-, cce, cce-, bce or gbce (default ce).") var loss: String?
    @Option(parsing: .unconditional, help: "Negatives per positive for ce-, cce-, bce and gbce (default 256).") var negatives: Int?
    @Option(help: "Negative sampler: uniform or popularity (default uniform).") var sampler: String?
    @Option(help: "Who shares negatives: per-position, per-sequence or per-batch (default per-position).")
    var negativeGranularity: String?
    @Option(help: "Negatives equal to the target: keep, resample or mask (default keep).") var collisions: String?
    @Flag(inversion: .prefixedNo, help: "Log-q correction of the sampled softmax (default off).") var logQCorrection: Bool?
    @Option(parsing: .unconditional, help: "Calibration t of gbce (default 0.75).") var gbceT: Double?
    @Flag(inversion: .prefixedNo, help: "Gradient filtering in the backward pass of cce and cce- (default: on for cce, off for cce-).")
    var gradientFiltering: Bool?
    @Option(parsing: .unconditional, help: "Longest input sequence L (default: \(TrainingConfig.FileDefaults.maxLength) with a file, \(TrainingConfig.SyntheticDefaults.maxLength) synthetic).") var maxLength: Int?
    @Option(parsing: .unconditional, help: "Embedding size d (default 64).") var dim: Int?
    @Option(parsing: .unconditional, help: "Transformer blocks (default 2).") var blocks: Int?
    @Option(parsing: .unconditional, help: "Attention heads (default 1).") var heads: Int?
    @Option(parsing: .unconditional, help: "Dropout rate (default 0.2).") var dropout: Double?
    @Option(parsing: .unconditional, help: "Std of the embedding initialisation; 0: N(0,1) scaled by sqrt(d) (default 0.02).") var initStd: Double?
    @Option(parsing: .unconditional, help: "Peak learning rate (default 0.001).") var lr: Double?
    @Option(parsing: .unconditional, help: "AdamW beta1 (default 0.9).") var beta1: Double?
    @Option(parsing: .unconditional, help: "AdamW beta2 (default 0.98).") var beta2: Double?
    @Option(parsing: .unconditional, help: "AdamW decoupled weight decay (default 0).") var weightDecay: Double?
    @Option(parsing: .unconditional, help: "Linear warmup steps (default 0).") var warmupSteps: Int?
    @Option(help: "Learning-rate schedule after warmup: constant or cosine (default constant).") var schedule: String?
    @Option(parsing: .unconditional, help: "Rate the cosine schedule ends at (default 0).") var lrFloor: Double?
    @Option(help: "Clip the global gradient norm to this ('none': no clipping, the default).") var gradClip: String?
    @Option(parsing: .unconditional, help: "Sequences per batch (default 64).") var batch: Int?
    @Option(parsing: .unconditional, help: "Most epochs (default: \(TrainingConfig.FileDefaults.epochs) with a file, \(TrainingConfig.SyntheticDefaults.epochs) synthetic).") var epochs: Int?
    @Option(parsing: .unconditional, help: "Stop after this many epochs without a better validation NDCG (default: \(TrainingConfig.FileDefaults.patience) with a file, \(TrainingConfig.SyntheticDefaults.patience) synthetic).")
    var patience: Int?
    @Option(parsing: .unconditional, help: "Seed of initialisation, shuffles, negatives and dropout (default 0).") var seed: Int?
    @Option(help: "Device: auto, cpu or cuda (default auto: cuda when the driver loads, else cpu).") var device: String?
    @Option(help: "Arithmetic: auto, fp32 or bf16 (bfloat16 activations, float32 master weights; default auto: bf16 on GPUs that have it, else fp32).")
    var precision: String?
    @Option(help: "Output folder for checkpoints and metrics (default runs/recut).") var output: String?
    @Option(help: "Validation cut-offs, comma-separated; the first picks the best epoch (default 10).") var evalKs: String?
    @Flag(inversion: .prefixedNo, help: "Mask the input items when ranking validation cases (default off).")
    var maskValidation: Bool?
    @Option(parsing: .unconditional, help: "Also checkpoint every N steps inside an epoch (default: at epoch ends only).") var checkpointEvery: Int?
    @Option(name: .customLong("on-nonfinite"),
            help: "A step whose loss or gradients are NaN or infinite: stop (name the step, keep the last good checkpoint) or skip-step (leave the weights as they were and go on; default stop).")
    var onNonFinite: String?

    /// The settings given on the command line, keyed by setting name.
    var overrides: [String: String] {
        let values: [(String, String?)] = [
            ("loss", loss), ("negatives", negatives.map(String.init)), ("sampler", sampler),
            ("negative-granularity", negativeGranularity), ("collisions", collisions),
            ("log-q-correction", logQCorrection.map(String.init)), ("gbce-t", gbceT.map { "\($0)" }),
            ("gradient-filtering", gradientFiltering.map(String.init)),
            ("max-length", maxLength.map(String.init)), ("dim", dim.map(String.init)), ("blocks", blocks.map(String.init)),
            ("heads", heads.map(String.init)), ("dropout", dropout.map { "\($0)" }), ("init-std", initStd.map { "\($0)" }),
            ("lr", lr.map { "\($0)" }), ("beta1", beta1.map { "\($0)" }), ("beta2", beta2.map { "\($0)" }),
            ("weight-decay", weightDecay.map { "\($0)" }), ("warmup-steps", warmupSteps.map(String.init)),
            ("schedule", schedule), ("lr-floor", lrFloor.map { "\($0)" }), ("grad-clip", gradClip),
            ("batch", batch.map(String.init)), ("epochs", epochs.map(String.init)), ("patience", patience.map(String.init)),
            ("seed", seed.map(String.init)), ("device", device), ("precision", precision), ("output", output), ("eval-ks", evalKs),
            ("checkpoint-every", checkpointEvery.map(String.init)), ("mask-validation", maskValidation.map(String.init)),
            ("on-nonfinite", onNonFinite),
        ]
        return Dictionary(uniqueKeysWithValues: values.compactMap { key, value in value.map { (key, $0) } })
    }
}
