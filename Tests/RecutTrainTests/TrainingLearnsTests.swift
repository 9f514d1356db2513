import RecutCPU
import RecutCore
import RecutData
import Testing
@testable import RecutTrain

@Suite struct TrainingLearnsTests {
    /// A small model on small synthetic data that learns within 6 epochs (also used by the
    /// sequentiality check's test).
    static var config: TrainingConfig {
        var config = TrainingConfig()
        config.syntheticUsers = 300
        config.syntheticItems = 100
        config.syntheticMeanLength = 20
        config.syntheticSeed = 3
        config.maxLength = 20
        config.dimension = 16
        config.blocks = 1
        config.batchSize = 32
        config.dropout = 0.1
        config.learningRate = 5e-3
        config.epochs = 6
        config.patience = 6
        return config
    }

    /// A small model on small synthetic data beats the most-popular baseline within a few
    /// epochs: the whole loop (batches, loss, backward, AdamW, evaluation) moves the right way.
    @Test func aShortRunBeatsPopularityOnValidation() throws {
        let config = Self.config
        let dataset = try DatasetLoader.load(config).dataset
        let dataSplit = try split(dataset, strategy: .leaveOneOut)
        let trainer = try Trainer(config: config, dataset: dataset, split: dataSplit, backend: CPUBackend(), store: nil)
        let result = try trainer.run()

        let baseline = PopularityRanking(train: dataSplit.train, catalogSize: dataset.itemCount)
            .evaluate(inputs: dataSplit.validation.inputs, targets: dataSplit.validation.targets, ks: [10],
                      maskInputItems: false)
        #expect(result.bestValidationMetric > 1.5 * baseline.ndcg(at: 10))
        #expect(result.test.model.ndcg(at: 10) > result.test.popularity.ndcg(at: 10))
    }
}
