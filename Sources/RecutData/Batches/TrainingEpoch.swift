/// The batches of one training epoch, built on access; indexing lets a resumed run skip ahead.
public struct TrainingEpoch: RandomAccessCollection, Sendable {
    /// The batcher that builds each batch.
    public let batcher: TrainingBatcher
    /// Sequence indices in this epoch's order.
    public let order: [Int32]

    public var startIndex: Int { 0 }
    public var endIndex: Int { (order.count + batcher.batchSize - 1) / batcher.batchSize }

    /// Batch `index` of the epoch: rows `index * B ..< (index + 1) * B` of the shuffled order.
    public subscript(index: Int) -> TrainingBatch {
        let start = index * batcher.batchSize
        return batcher.batch(ofSequences: order[start..<Swift.min(start + batcher.batchSize, order.count)])
    }
}
