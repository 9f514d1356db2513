import Foundation
import RecutCPU
import RecutData
import Testing
@testable import RecutTrain

/// A hook error that stands for a crash in the middle of training.
private struct SimulatedCrash: Error {}

@Suite struct ResumeTests {
    /// A tiny model on tiny synthetic data: 4 batches an epoch, dropout and sampled negatives on,
    /// so that every source of randomness has to be replayed exactly.
    static var config: TrainingConfig {
        var config = TrainingConfig()
        config.syntheticUsers = 60
        config.syntheticItems = 40
        config.syntheticMeanLength = 12
        config.syntheticSeed = 1
        config.maxLength = 10
        config.dimension = 8
        config.blocks = 1
        config.batchSize = 16
        config.epochs = 2
        config.patience = 5
        config.loss = .sampledCrossEntropy
        config.negatives = 5
        config.negativeGranularity = .perPosition
        config.sampler = .popularity
        config.seed = 7
        config.checkpointEvery = 3
        return config
    }

    static func trainer(_ config: TrainingConfig, output: String) throws -> Trainer {
        let dataset = try DatasetLoader.load(config).dataset
        let dataSplit = try split(dataset, strategy: config.split)
        return try Trainer(config: config, dataset: dataset, split: dataSplit, backend: CPUBackend(),
                           store: CheckpointStore(directory: output))
    }

    static func resumed(from output: String) throws -> Trainer {
        let store = CheckpointStore(directory: output)
        let checkpoint = try store.load(.last)
        let dataset = try DatasetLoader.load(checkpoint.config).dataset
        let dataSplit = try split(dataset, strategy: checkpoint.config.split)
        return try Trainer(resuming: checkpoint, dataset: dataset, split: dataSplit, backend: CPUBackend(), store: store)
    }

    @Test func resumingAfterACrashGivesTheUninterruptedWeights() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let uninterrupted = try Self.trainer(Self.config, output: directory.path + "/whole")
        let wholeResult = try uninterrupted.run()

        let output = directory.path + "/crashed"
        let first = try Self.trainer(Self.config, output: output)
        // Step 5 is mid-epoch 2; the last checkpoint is the end of epoch 1 (step 4).
        first.afterStep = { step in if step == 5 { throw SimulatedCrash() } }
        #expect(throws: SimulatedCrash.self) { try first.run() }
        #expect(try CheckpointStore(directory: output).load(.last).state?.step == 4)

        let second = try Self.resumed(from: output)
        // Step 6 saved a mid-epoch checkpoint (batch 2 of epoch 2); crash after it.
        second.afterStep = { step in if step == 7 { throw SimulatedCrash() } }
        #expect(throws: SimulatedCrash.self) { try second.run() }
        let midEpoch = try CheckpointStore(directory: output).load(.last).state
        #expect(midEpoch?.step == 6 && midEpoch?.epoch == 1 && midEpoch?.batchInEpoch == 2)

        let third = try Self.resumed(from: output)
        let resumedResult = try third.run()
        #expect(third.weights == uninterrupted.weights)
        #expect(try CheckpointStore(directory: output).load(.best).tensors
                == CheckpointStore(directory: directory.path + "/whole").load(.best).tensors)
        #expect(resumedResult.bestEpoch == wholeResult.bestEpoch)
        #expect(resumedResult.test.model == wholeResult.test.model)
        let lines = try MetricsLog.read(from: output + "/metrics.jsonl")
        let wholeLines = try MetricsLog.read(from: directory.path + "/whole/metrics.jsonl")
        #expect(lines.map(\.epoch) == [0, 1])
        #expect(lines.map(\.trainLoss) == wholeLines.map(\.trainLoss))
        #expect(lines.map(\.validation) == wholeLines.map(\.validation))
    }

    @Test func theSameSeedGivesTheSameWeightsAndAnotherSeedOthers() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = Self.config
        config.epochs = 1
        let first = try Self.trainer(config, output: directory.path + "/a")
        let second = try Self.trainer(config, output: directory.path + "/b")
        config.seed = 8
        let third = try Self.trainer(config, output: directory.path + "/c")
        for trainer in [first, second, third] { _ = try trainer.run() }
        #expect(first.weights == second.weights)
        #expect(first.weights != third.weights)
    }

    @Test func resumingRefusesAnotherCatalog() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = Self.config
        config.epochs = 1
        _ = try Self.trainer(config, output: directory.path).run()
        let checkpoint = try CheckpointStore(directory: directory.path).load(.last)
        config.syntheticItems = 30
        let dataset = try DatasetLoader.load(config).dataset
        #expect(throws: TrainError.self) {
            try Trainer(resuming: checkpoint, dataset: dataset, split: try split(dataset, strategy: .leaveOneOut),
                        backend: CPUBackend(), store: CheckpointStore(directory: directory.path))
        }
    }
}
