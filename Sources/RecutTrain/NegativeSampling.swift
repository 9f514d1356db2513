import RecutCore
import RecutData

/// How a run draws each step's negatives: on its backend, from the step's targets already
/// there, counter-based (`NegativeSampler.draw`), so that no id crosses from the host and the
/// CPU and a GPU draw the same ids. For the fused `cce-` with per-position negatives the ids
/// are not even stored: its passes regenerate them (`NegativeIDs.drawn`), except when
/// resampling, whose redraws depend on the targets.
struct NegativeSampling {
    /// The seeded sampler, its alias table on the backend.
    let sampler: DeviceNegativeSampler
    /// K, the negatives per group.
    let count: Int
    /// Which positions share negatives.
    let granularity: NegativeGranularity
    /// What to do when a negative equals a target.
    let collisions: CollisionPolicy
    /// The log-q correction the loss applies, if any.
    let logQ: LogQCorrection?
    /// Whether the loss regenerates the ids itself (no id tensor is drawn into).
    let drawnInLoss: Bool

    init(sampler: DeviceNegativeSampler, count: Int, granularity: NegativeGranularity, collisions: CollisionPolicy,
         logQ: LogQCorrection?, lossRegeneratesIDs: Bool) {
        self.sampler = sampler
        self.count = count
        self.granularity = granularity
        self.collisions = collisions
        self.logQ = logQ
        // Keep and mask train alike there: the fused passes skip a negative equal to the target.
        drawnInLoss = lossRegeneratesIDs && granularity == .perPosition && collisions != .resample
    }

    /// The most ids one step stores, for batches of up to `batchSize` rows of `length` positions.
    func capacity(batchSize: Int, length: Int) -> Int {
        drawnInLoss ? 0 : granularity.layout(batchSize: batchSize, length: length, count: count).shape.reduce(1, *)
    }

    /// Draws the negatives of `step` for `batch`, whose targets are in `targets`, into `buffer`
    /// on `backend` (queued behind the work before it) and returns them as the losses read them;
    /// when the loss regenerates them, only says how.
    func draw(on backend: any LossBackend, into buffer: Tensor?, targets: Tensor, batch: TrainingBatch,
              step: Int) -> SampledNegatives {
        if drawnInLoss { return SampledNegatives(drawnBy: sampler, step: step, count: count, logQ: logQ) }
        guard let buffer else { preconditionFailure("stored negatives need a buffer of capacity(batchSize:length:)") }
        let (shape, positionsPerGroup) = granularity.layout(batchSize: batch.batchSize, length: batch.length, count: count)
        let ids = buffer.view(offset: 0, shape: shape)
        backend.sampleNegatives(ids, targets: targets, sampler: sampler, step: step, positions: batch.positionCount,
                                positionsPerGroup: positionsPerGroup, count: count, collisions: collisions)
        let lossGranularity: SampledNegatives.Granularity = switch granularity {
        case .perPosition: .perPosition
        case .perSequence: .perSequence
        case .perBatch: .perBatch
        }
        return SampledNegatives(ids: ids, granularity: lossGranularity, logQ: logQ)
    }
}
