import Foundation
import RecutCPU
import RecutCore
import RecutData
import Testing
@testable import RecutTrain

/// Data-parallel training on CPUs: two trainers on threads, their gradients averaged through the
/// rendezvous (a host-side stand-in for NCCL's all-reduce), so that the trainer's side of
/// several-GPU training (shards, averaging, merged validation, rank 0 writing) is tested here.
@Suite struct DataParallelTrainingTests {
    static func parallelism(rank: Int, worldSize: Int, port: UInt16, backend: CPUBackend) throws -> DataParallelism {
        let rendezvous = try Rendezvous(environment: try DistributedEnvironment(
            rank: rank, worldSize: worldSize, localRank: rank, masterAddress: "127.0.0.1", masterPort: port), timeout: 30)
        return DataParallelism(
            rendezvous: rendezvous,
            averageGradients: { gradients in
                let local: [Float] = backend.download(gradients)
                let all = try rendezvous.allGather(local.withUnsafeBytes { Array($0) })
                var sum = [Float](repeating: 0, count: local.count)
                for bytes in all {
                    bytes.withUnsafeBytes { values in
                        for index in sum.indices { sum[index] += values.loadUnaligned(fromByteOffset: index * 4, as: Float.self) }
                    }
                }
                backend.write(sum.map { $0 / Float(worldSize) }, into: gradients)
            },
            broadcastParameters: { parameters in
                let local: [Float] = backend.download(parameters)
                let root = try rendezvous.broadcast(local.withUnsafeBytes { Array($0) })
                backend.write(root.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, into: parameters)
            },
            verifiesWeights: true)
    }

    @Test func ranksStayIdenticalAndOnlyRankZeroWrites() throws {
        let config = {
            var config = ResumeTests.config
            config.checkpointEvery = nil
            config.batchSize = 8
            return config
        }()
        let dataset = try DatasetLoader.load(config).dataset
        let dataSplit = try split(dataset, strategy: config.split)
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let port = try Rendezvous.freePort()
        let results = RendezvousTests.onThreads(worldSize: 2) { rank in
            let backend = CPUBackend()
            let trainer = try Trainer(config: config, dataset: dataset, split: dataSplit, backend: backend,
                                      store: CheckpointStore(directory: directory.path + "/rank\(rank)"),
                                      parallelism: try Self.parallelism(rank: rank, worldSize: 2, port: port, backend: backend))
            let result = try trainer.run()
            return (result.bestValidationMetric, trainer.weights.map(\.values))
        }
        let first = try results[0].get(), second = try results[1].get()
        #expect(first.0 == second.0, "validation is merged, so every rank picks the same best epoch")
        #expect(first.1 == second.1, "averaged gradients keep the ranks' weights identical")
        #expect(directory.contents("rank0").contains("best") && directory.contents("rank0").contains("metrics.jsonl"))
        #expect(directory.contents("rank1").isEmpty, "only rank 0 writes")
    }
}
