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

    /// The negative item ids (int32), shaped as `granularity` says.
    public var ids: Tensor
    /// How the rows of `ids` map to positions.
    public var granularity: Granularity
    /// The sampler's log probabilities, for the log-q correction of `ce-`; nil for none.
    public var logQ: LogQCorrection?

    /// Collects the negatives of one batch.
    public init(ids: Tensor, granularity: Granularity, logQ: LogQCorrection? = nil) {
        precondition(ids.dtype == .int32, "negative ids must be int32, not \(ids.dtype)")
        precondition(ids.shape.count == (granularity == .perBatch ? 1 : 2),
                     "negative ids of shape \(ids.shape) do not fit granularity \(granularity)")
        self.ids = ids
        self.granularity = granularity
        self.logQ = logQ
    }

    /// K, the number of negatives per position.
    public var countPerPosition: Int { ids.shape.last ?? 0 }
}
