import PropertyBased
import RecutData
import Testing

@Suite struct ShardingTests {
    /// `count` sequences of 2 to 5 events, one user per sequence, a few of one event (untrainable).
    static func batcher(sequenceCount: Int, batchSize: Int, seed: UInt64 = 3) -> TrainingBatcher {
        var sequences = Sequences()
        for index in 0..<sequenceCount {
            let length = index % 7 == 6 ? 1 : 2 + index % 4
            sequences.append(items: (0..<length).map { Int32(1 + ($0 + index) % 50) }, timestamps: (0..<length).map { Timestamp($0) })
        }
        return TrainingBatcher(sequences: sequences, users: (0..<sequenceCount).map(Int32.init), batchSize: batchSize,
                               length: 4, seed: seed)
    }

    @Test func trainingShardsAreDisjointEqualAndCoverAllButTheRemainder() async {
        await propertyCheck(input: Gen.int(in: 0...90), Gen.int(in: 1...6), Gen.int(in: 1...9), Gen.int(in: 0...5)) {
            sequenceCount, worldSize, batchSize, epoch in
            let batcher = Self.batcher(sequenceCount: sequenceCount, batchSize: batchSize)
            let shards = (0..<worldSize).map { batcher.batches(epoch: epoch, rank: $0, worldSize: worldSize) }
            let all = shards.flatMap(\.order)
            #expect(Set(all).count == all.count, "shards overlap")
            #expect(Set(all).isSubset(of: Set(batcher.trainableSequences)))
            #expect(batcher.trainableSequences.count - all.count == batcher.trainableSequences.count % worldSize)
            for shard in shards {
                #expect(shard.order.count == batcher.sequencesPerRank(worldSize: worldSize))
                #expect(shard.count == batcher.batchCount(worldSize: worldSize))
                #expect(shard.map(\.batchSize) == shards[0].map(\.batchSize), "ranks must run batches of the same sizes")
            }
        }
    }

    @Test func trainingShardsDependOnlyOnSeedAndEpoch() {
        let batcher = Self.batcher(sequenceCount: 60, batchSize: 4)
        let again = Self.batcher(sequenceCount: 60, batchSize: 4)
        for rank in 0..<3 {
            #expect(batcher.batches(epoch: 2, rank: rank, worldSize: 3).order == again.batches(epoch: 2, rank: rank, worldSize: 3).order)
        }
        #expect(batcher.batches(epoch: 1, rank: 0, worldSize: 3).order != batcher.batches(epoch: 2, rank: 0, worldSize: 3).order)
        let otherSeed = Self.batcher(sequenceCount: 60, batchSize: 4, seed: 4)
        #expect(batcher.batches(epoch: 1, rank: 0, worldSize: 3).order != otherSeed.batches(epoch: 1, rank: 0, worldSize: 3).order)
    }

    @Test func oneRankTrainsOnTheWholeEpoch() {
        let batcher = Self.batcher(sequenceCount: 37, batchSize: 5)
        #expect(batcher.batches(epoch: 4, rank: 0, worldSize: 1).order == batcher.batches(epoch: 4).order)
        #expect(batcher.batchCount(worldSize: 1) == batcher.batchCount)
    }

    @Test func evaluationShardsSplitTheCasesExactly() async {
        await propertyCheck(input: Gen.int(in: 0...40), Gen.int(in: 1...6)) { caseCount, worldSize in
            var set = EvaluationSet()
            for index in 0..<caseCount {
                let inputs = (0...(index % 3)).map { Int32(1 + index + $0) }
                set.append(user: Int32(index), inputItems: inputs, inputTimes: inputs.map(Timestamp.init),
                           target: Int32(100 + index), targetTime: Timestamp(index))
            }
            let shards = (0..<worldSize).map { set.shard(rank: $0, worldSize: worldSize) }
            #expect(shards.map(\.count).reduce(0, +) == caseCount)
            #expect(Set(shards.flatMap(\.users)) == Set(set.users))
            #expect(shards.map(\.count).max()! - shards.map(\.count).min()! <= 1)
            for shard in shards {
                for index in 0..<shard.count {
                    let original = Int(shard.users[index])
                    #expect(Array(shard.inputs[index]) == Array(set.inputs[original]))
                    #expect(shard.targets[index] == set.targets[original])
                }
            }
        }
    }
}
