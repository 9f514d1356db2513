/// The negatives of one batch as the sampled losses read them: int32 item ids, how they
/// are shared across positions, and an optional log-q correction.
///
/// An id of 0 marks an empty slot (excluded from the loss), which is how a sampler's
/// validity mask reaches the loss; a negative equal to the position's target is excluded too.
public struct SampledNegatives: Sendable {
    /// Which positions share a row of negative ids.
    public enum Granularity: Sendable, Hashable {
        /// Ids [N, K]: every position has its own K negatives (scored by gathered dot products).
        case perPosition
        /// Ids [B, K]: the L positions of sequence b share row b (scored by a batched matmul).
        case perSequence
        /// Ids [K]: every position shares the same K negatives (scored by one matmul).
        case perBatch
    }

    /// The negative item ids: stored, shaped as `granularity` says, or drawn per position by
    /// a counter-based sampler and regenerated where the fused passes read them.
    public var ids: NegativeIDs
    /// How the rows of `ids` map to positions.
    public var granularity: Granularity
    /// The sampler's log probabilities, for the log-q correction of `ce-`; nil for none.
    public var logQ: LogQCorrection?
    /// K, the number of negatives per position.
    public let countPerPosition: Int

    /// Collects the stored negatives of one batch.
    public init(ids: Tensor, granularity: Granularity, logQ: LogQCorrection? = nil) {
        precondition(ids.dtype == .int32, "negative ids must be int32, not \(ids.dtype)")
        precondition(ids.shape.count == (granularity == .perBatch ? 1 : 2),
                     "negative ids of shape \(ids.shape) do not fit granularity \(granularity)")
        self.ids = .stored(ids)
        self.granularity = granularity
        self.logQ = logQ
        countPerPosition = ids.shape.last ?? 0
    }

    /// `count` negatives per position drawn by `sampler` at `step`: position r's slot k is
    /// `sampler.sampler.draw(group: r, slot: k, step: step)`, never stored.
    public init(drawnBy sampler: DeviceNegativeSampler, step: Int, count: Int, logQ: LogQCorrection? = nil) {
        precondition(count > 0 && step >= 0 && step <= Int(UInt32.max), "drawn negatives: count \(count), step \(step)")
        ids = .drawn(sampler, step: step)
        granularity = .perPosition
        self.logQ = logQ
        countPerPosition = count
    }

    /// The stored ids, for the losses that gather or multiply them (`ce-`, `bce`, `gbce`).
    public var storedIDs: Tensor {
        guard case .stored(let tensor) = ids else {
            preconditionFailure("this loss reads stored negative ids; drawn negatives serve the fused cce- passes only")
        }
        return tensor
    }
}

/// Where a sampled loss finds its negative ids.
public enum NegativeIDs: Sendable {
    /// int32 ids in a tensor: [N, K] per position, [B, K] per sequence, [K] per batch.
    case stored(Tensor)
    /// Per position, drawn by the counter-based `sampler` at `step` (row r's slot k is
    /// `sampler.sampler.draw(group: r, slot: k, step: step)`); a backend regenerates each id
    /// where it reads it, so no [N, K] tensor exists.
    case drawn(DeviceNegativeSampler, step: Int)
}
