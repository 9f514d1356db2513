import Foundation
import RecutCore
import RecutData
import RecutTrain
import Testing

@Suite struct RendezvousTests {
    /// Runs `body(rank)` for every rank on its own thread (each blocks in the rendezvous) after
    /// `delay(rank)` seconds, and returns each rank's result.
    static func onThreads<Value: Sendable>(
        worldSize: Int, delay: @escaping @Sendable (Int) -> Double = { _ in 0 },
        _ body: @escaping @Sendable (Int) throws -> Value
    ) -> [Result<Value, any Error>] {
        let results = Results<Value>(count: worldSize)
        let group = DispatchGroup()
        for rank in 0..<worldSize {
            group.enter()
            let thread = Thread {
                Thread.sleep(forTimeInterval: delay(rank))
                results.set(rank, Result { try body(rank) })
                group.leave()
            }
            thread.start()
        }
        group.wait()
        return results.values
    }

    final class Results<Value: Sendable>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [Result<Value, any Error>?]
        init(count: Int) { stored = Array(repeating: nil, count: count) }
        func set(_ index: Int, _ value: Result<Value, any Error>) { lock.withLock { stored[index] = value } }
        var values: [Result<Value, any Error>] { lock.withLock { stored.map { $0! } } }
    }

    static func environment(rank: Int, worldSize: Int, port: UInt16) throws -> DistributedEnvironment {
        try DistributedEnvironment(rank: rank, worldSize: worldSize, localRank: rank, masterAddress: "127.0.0.1",
                                   masterPort: port)
    }

    @Test func everyRankReceivesRankZerosBlob() throws {
        let port = try Rendezvous.freePort()
        var generator = SplitMix64(seed: 7)
        let blob = (0..<128).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let results = Self.onThreads(worldSize: 4) { rank in
            let rendezvous = try Rendezvous(environment: try Self.environment(rank: rank, worldSize: 4, port: port), timeout: 20)
            let received = try rendezvous.broadcast(rank == 0 ? blob : [])
            try rendezvous.barrier()
            return received
        }
        for result in results { #expect(try result.get() == blob) }
    }

    @Test func ranksMayArriveInAnyOrderAndGatherByRank() throws {
        let port = try Rendezvous.freePort()
        // Rank 0 comes last, so the others must retry their connection.
        let results = Self.onThreads(worldSize: 3, delay: { rank in rank == 0 ? 0.5 : 0.1 * Double(3 - rank) }) { rank in
            let rendezvous = try Rendezvous(environment: try Self.environment(rank: rank, worldSize: 3, port: port), timeout: 20)
            return try rendezvous.allGather(Array(repeating: UInt8(rank), count: rank + 1))
        }
        for result in results { #expect(try result.get() == [[0], [1, 1], [2, 2, 2]]) }
    }

    @Test func aRankThatNeverComesIsNamedInTheTimeout() throws {
        let port = try Rendezvous.freePort()
        let results = Self.onThreads(worldSize: 2) { rank in
            let rendezvous = try Rendezvous(environment: try Self.environment(rank: rank, worldSize: 4, port: port), timeout: 1)
            try rendezvous.barrier()
        }
        guard case .failure(let error) = results[0], case .timeout(let ranks, let seconds, _) = error as? DistributedError else {
            Issue.record("rank 0 should time out, got \(results[0])")
            return
        }
        #expect(ranks == [2, 3] && seconds == 1)
        #expect((error as! DistributedError).description.contains("waiting for ranks 2, 3"))
        #expect(throws: (any Error).self) { try results[1].get() }
    }

    @Test func aMissingRankZeroTimesOutNamingIt() throws {
        let port = try Rendezvous.freePort()
        #expect {
            _ = try Rendezvous(environment: try Self.environment(rank: 1, worldSize: 2, port: port), timeout: 0.5)
        } throws: { error in
            guard case .timeout(let ranks, _, let during) = error as? DistributedError else { return false }
            return ranks == [0] && during.contains("connecting to rank 0")
        }
    }

    @Test func oneRankNeedsNoNetwork() throws {
        let rendezvous = try Rendezvous(environment: .single)
        #expect(try rendezvous.broadcast([1, 2]) == [1, 2])
        #expect(try rendezvous.allGather([3]) == [[3]])
        try rendezvous.barrier()
    }
}

@Suite struct ShardedMetricsTests {
    @Test func shardMetricsMergeIntoTheWholeOnEveryRank() throws {
        let port = try Rendezvous.freePort()
        var generator = SplitMix64(seed: 11)
        let cases = (0..<50).map { _ in (rank: generator.next(below: 30), top: (0..<5).map { _ in Int32(1 + generator.next(below: 40)) }) }
        var whole = RankingMetrics(ks: [1, 5], catalogSize: 40)
        for entry in cases { whole.add(rank: entry.rank, topItems: entry.top) }
        let results = RendezvousTests.onThreads(worldSize: 3) { rank in
            let rendezvous = try Rendezvous(environment: try RendezvousTests.environment(rank: rank, worldSize: 3, port: port),
                                            timeout: 20)
            var shard = RankingMetrics(ks: [1, 5], catalogSize: 40)
            for index in stride(from: rank, to: cases.count, by: 3) { shard.add(rank: cases[index].rank, topItems: cases[index].top) }
            return try rendezvous.merged(shard)
        }
        for result in results { #expect(try result.get() == whole) }
    }
}
