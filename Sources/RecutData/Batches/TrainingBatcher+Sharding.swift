extension TrainingBatcher {
    /// Number of sequences each of `worldSize` ranks trains on per epoch: the trainable
    /// sequences cut down to a multiple of `worldSize`.
    public func sequencesPerRank(worldSize: Int) -> Int {
        precondition(worldSize >= 1, "the number of ranks must be at least 1")
        return trainableSequences.count / worldSize
    }

    /// Number of batches every rank takes per epoch when `worldSize` ranks share the data.
    public func batchCount(worldSize: Int) -> Int {
        (sequencesPerRank(worldSize: worldSize) + batchSize - 1) / batchSize
    }

    /// Rank `rank`'s share of epoch `epoch` when `worldSize` ranks train data-parallel.
    ///
    /// Every rank computes the same shuffle of the epoch (it depends only on seed and epoch),
    /// drops its last `count % worldSize` sequences so that all ranks get the same number, and
    /// takes every `worldSize`-th sequence from position `rank`. So the shards are disjoint,
    /// every rank runs the same number of batches of the same sizes (the gradient all-reduce
    /// pairs them step by step), and at most `worldSize - 1` sequences sit out an epoch, a
    /// different few each epoch. With one rank this is `batches(epoch:)`.
    public func batches(epoch: Int, rank: Int, worldSize: Int) -> TrainingEpoch {
        precondition((0..<worldSize).contains(rank), "rank \(rank) outside 0..<\(worldSize)")
        let order = batches(epoch: epoch).order
        let kept = sequencesPerRank(worldSize: worldSize) * worldSize
        let share = stride(from: rank, to: kept, by: worldSize).map { order[$0] }
        return TrainingEpoch(batcher: self, order: share)
    }
}
