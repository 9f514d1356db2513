import RecutData

/// The host-side inputs of one optimizer step: its batch, ready to upload (the negatives are
/// drawn on the backend, from the targets, by `NegativeSampling`).
///
/// Building them is a pure function of (seed, epoch, step), so they may be prepared ahead of
/// time on another thread without changing any result.
struct StepInputs: Sendable {
    /// Which step these inputs are for.
    struct Key: Sendable, Equatable {
        /// The epoch.
        var epoch: Int
        /// The batch's index within the epoch.
        var batchIndex: Int
        /// The optimizer step (0-based over the whole run), which seeds the negatives.
        var step: Int
    }

    /// The step these inputs are for.
    let key: Key
    /// The batch.
    let batch: TrainingBatch

    /// Assembles batch `key.batchIndex` of `epoch`.
    init(key: Key, epoch: TrainingEpoch) {
        self.key = key
        batch = epoch[key.batchIndex]
    }
}
