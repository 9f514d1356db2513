import RecutData

/// The host-side inputs of one optimizer step: its batch and its negative ids, ready to upload.
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
    /// The drawn negatives' shape, nil when the loss uses none.
    let negativeShape: [Int]?
    /// The drawn negative ids, with slots the sampler flagged invalid set to 0 (which the losses skip).
    let negativeIDs: [Int32]

    /// Assembles batch `key.batchIndex` of `epoch` and draws its negatives with `sampling`.
    init(key: Key, epoch: TrainingEpoch, sampling: NegativeSampling?) {
        self.key = key
        batch = epoch[key.batchIndex]
        if let sampling {
            let drawn = sampling.sampler.sample(count: sampling.count, granularity: sampling.granularity, for: batch,
                                                collisions: sampling.collisions, step: key.step)
            negativeShape = drawn.shape
            negativeIDs = Self.maskedIDs(drawn)
        } else {
            negativeShape = nil
            negativeIDs = []
        }
    }

    /// The drawn ids with the slots the sampler flagged invalid set to 0.
    private static func maskedIDs(_ negatives: Negatives) -> [Int32] {
        guard let valid = negatives.valid, negatives.granularity == .perPosition else { return negatives.ids }
        var ids = negatives.ids
        for index in ids.indices where !valid[index] { ids[index] = 0 }
        return ids
    }
}

/// How a run draws negatives each step: the sampler and the settings it is called with.
struct NegativeSampling: Sendable {
    /// The seeded sampler.
    let sampler: NegativeSampler
    /// K, the negatives per group.
    let count: Int
    /// Which positions share negatives.
    let granularity: NegativeGranularity
    /// What to do when a negative equals a target.
    let collisions: CollisionPolicy
}
