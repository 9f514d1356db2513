import RecutCore
import RecutData

/// How a run draws each step's negatives: on its backend, from the step's targets already
/// there, counter-based (`NegativeSampler.draw`), so that no id crosses from the host and the
/// CPU and a GPU draw the same ids.
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

    /// The id rows of a batch of `batchSize` rows of `length` positions: one per position, per
    /// row or for the whole batch, and the positions each row serves.
    func layout(batchSize: Int, length: Int) -> (shape: [Int], positionsPerGroup: Int) {
        switch granularity {
        case .perPosition: ([batchSize * length, count], 1)
        case .perSequence: ([batchSize, count], length)
        case .perBatch: ([count], max(batchSize * length, 1))
        }
    }

    /// The most ids one step draws, for batches of up to `batchSize` rows of `length` positions.
    func capacity(batchSize: Int, length: Int) -> Int {
        layout(batchSize: batchSize, length: length).shape.reduce(1, *)
    }

    /// Draws the negatives of `step` for `batch`, whose targets are in `targets`, into `buffer`
    /// on `backend` (queued behind the work before it) and returns them as the losses read them.
    func draw(on backend: any LossBackend, into buffer: Tensor, targets: Tensor, batch: TrainingBatch,
              step: Int) -> SampledNegatives {
        let (shape, positionsPerGroup) = layout(batchSize: batch.batchSize, length: batch.length)
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
