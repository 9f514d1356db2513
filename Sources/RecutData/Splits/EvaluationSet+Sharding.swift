extension EvaluationSet {
    /// Rank `rank`'s cases when `worldSize` ranks evaluate together: cases rank, rank + worldSize, ….
    ///
    /// Every case goes to exactly one rank; ranks may hold one case more than others, which
    /// is harmless because `RankingMetrics` merges exactly. Inputs share this set's storage.
    public func shard(rank: Int, worldSize: Int) -> EvaluationSet {
        precondition(worldSize >= 1 && (0..<worldSize).contains(rank), "rank \(rank) outside 0..<\(worldSize)")
        let cases = Array(stride(from: rank, to: count, by: worldSize))
        var shard = EvaluationSet()
        shard.users = cases.map { users[$0] }
        shard.inputs = inputs.sharingStorage(ranges: cases.map { inputs.range(of: $0) })
        shard.targets = cases.map { targets[$0] }
        shard.targetTimes = cases.map { targetTimes[$0] }
        return shard
    }
}
