import RecutCPU
import RecutCore
import RecutData
import Testing
@testable import RecutTrain

/// Training with the fused losses follows the materialised ones: with gradient filtering off
/// they compute the same loss and gradients, so the loss curve of a short run is the same up to
/// float32 rounding (final weights are not compared: Adam turns rounding-level differences of
/// near-zero gradients into whole steps).
@Suite struct FusedLossTrainingTests {
    private func trainingLosses(loss: TrainingConfig.Loss) throws -> [Double] {
        var config = TrainingConfig()
        config.syntheticUsers = 120
        config.syntheticItems = 60
        config.syntheticMeanLength = 12
        config.maxLength = 12
        config.dimension = 8
        config.blocks = 1
        config.batchSize = 16
        config.epochs = 3
        config.patience = 3
        config.negatives = 16
        config.loss = loss
        config.gradientFiltering = false
        let dataset = try DatasetLoader.load(config).dataset
        let dataSplit = try split(dataset, strategy: .leaveOneOut)
        let folder = TemporaryDirectory()
        defer { folder.remove() }
        let trainer = try Trainer(config: config, dataset: dataset, split: dataSplit, backend: CPUBackend(),
                                  store: CheckpointStore(directory: folder.path))
        _ = try trainer.run()
        return try MetricsLog.read(from: folder.path + "/metrics.jsonl").map(\.trainLoss)
    }

    private func expectSameCurve(_ a: [Double], _ b: [Double]) {
        #expect(a.count == 3 && b.count == 3)
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-4 * abs(x)) }
    }

    @Test func fusedFullSoftmaxTrainsLikeMaterialised() throws {
        expectSameCurve(try trainingLosses(loss: .crossEntropy), try trainingLosses(loss: .fusedCrossEntropy))
    }

    @Test func fusedSampledSoftmaxTrainsLikeMaterialised() throws {
        expectSameCurve(try trainingLosses(loss: .sampledCrossEntropy), try trainingLosses(loss: .fusedSampledCrossEntropy))
    }
}
