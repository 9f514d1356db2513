/// Which positions of a batch share a set of K negatives; the raw values are the setting's spellings.
///
/// Sharing makes the negative logits a dense matrix product (per batch) instead of a gather per
/// position, at the price of correlated negatives.
public enum NegativeGranularity: String, Sendable, Hashable, Codable, CaseIterable {
    /// K negatives for each of the N = B x L positions: shape [N, K].
    case perPosition = "per-position"
    /// K negatives for each row, shared by its L positions: shape [B, K].
    case perSequence = "per-sequence"
    /// K negatives shared by every position of the batch: shape [K].
    case perBatch = "per-batch"

    /// The ids of `count` negatives for a batch of `batchSize` rows of `length` positions: their
    /// shape ([N, K], [B, K] or [K]) and the positions each row of ids serves (1, L or N).
    public func layout(batchSize: Int, length: Int, count: Int) -> (shape: [Int], positionsPerGroup: Int) {
        switch self {
        case .perPosition: ([batchSize * length, count], 1)
        case .perSequence: ([batchSize, count], length)
        case .perBatch: ([count], max(batchSize * length, 1))
        }
    }
}
