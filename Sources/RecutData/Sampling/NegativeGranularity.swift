/// Which positions of a batch share a set of K negatives.
///
/// Sharing makes the negative logits a dense matrix product (per batch) instead of a gather per
/// position, at the price of correlated negatives.
public enum NegativeGranularity: Sendable, Hashable, Codable, CaseIterable {
    /// K negatives for each of the N = B x L positions: shape [N, K].
    case perPosition
    /// K negatives for each row, shared by its L positions: shape [B, K].
    case perSequence
    /// K negatives shared by every position of the batch: shape [K].
    case perBatch
}
