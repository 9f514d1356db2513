import RecutCore
import RecutData

/// `recut data audit --sequentiality`: trains SASRec twice with the same settings, on a split
/// as is and on the same split with each user's training order shuffled (targets untouched),
/// and compares their test NDCG@10 with the popularity baseline's.
public enum SequentialityCheck {
    /// Epochs of each run when the settings leave them automatic: a short run, as the check
    /// compares two models rather than tuning one.
    public static let defaultEpochs = 20
    /// Early-stopping patience when the settings leave it automatic.
    public static let defaultPatience = 5

    /// Runs both trainings of `config` (nothing written to disk) on `split` of `dataset`, on
    /// `backend`; `log` receives a line per run. `splitName` labels the result.
    public static func run(config: TrainingConfig, dataset: Dataset, split: DataSplit, splitName: String,
                           backend: any LossBackend, log: (String) -> Void = { _ in }) throws -> SequentialityResult {
        var config = config
        config.epochs = config.epochs ?? defaultEpochs
        config.patience = config.patience ?? defaultPatience
        let shuffled = split.shufflingTrainingOrder(of: dataset, seed: UInt64(config.seed) &+ 0x5EC0_0DE5)
        var results: [TrainingResult] = []
        for (name, variant) in [("time order", split), ("shuffled order", shuffled)] {
            let trainer = try Trainer(config: config, dataset: dataset, split: variant, backend: backend, store: nil)
            let result = try trainer.run()
            log("sequentiality: \(name): best epoch \(result.bestEpoch + 1) of \(result.epochsTrained), "
                + "test ndcg@10 \(result.test.model.ndcg(at: 10))")
            results.append(result)
        }
        return SequentialityResult(
            split: splitName, testCases: split.test.count, epochs: config.resolvedEpochs,
            ndcgAt10: results[0].test.model.ndcg(at: 10), shuffledNDCGAt10: results[1].test.model.ndcg(at: 10),
            popularityNDCGAt10: results[0].test.popularity.ndcg(at: 10))
    }
}
