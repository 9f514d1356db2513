import RecutCore
import RecutData

/// Test metrics of a model beside the most-popular baseline, each with and without the
/// input items masked (the reference protocol reports both).
public struct TestMetrics: Sendable, Encodable {
    /// The model, input items left in the ranking.
    public var model: RankingMetrics
    /// The model, input items masked.
    public var modelMasked: RankingMetrics
    /// The popularity baseline, input items left in the ranking.
    public var popularity: RankingMetrics
    /// The popularity baseline, input items masked.
    public var popularityMasked: RankingMetrics

    /// Groups the four evaluations.
    public init(model: RankingMetrics, modelMasked: RankingMetrics, popularity: RankingMetrics,
                popularityMasked: RankingMetrics) {
        self.model = model
        self.modelMasked = modelMasked
        self.popularity = popularity
        self.popularityMasked = popularityMasked
    }

    /// Ranks the test cases of `split` with the model of `ranking` (unmasked and masked in one
    /// pass over the scores) and with the popularity of the training sequences (exactly, without
    /// scores), each unmasked and masked, at the cutoffs `ks`.
    public static func measure(_ ranking: ModelRanking, split: DataSplit, ks: [Int] = TrainingResult.reportedKs) -> TestMetrics {
        let catalogSize = ranking.model.configuration.catalogSize
        let popularity = PopularityRanking(train: split.train, catalogSize: catalogSize)
        func baseline(masked: Bool) -> RankingMetrics {
            popularity.evaluate(inputs: split.test.inputs, targets: split.test.targets, ks: ks, maskInputItems: masked)
        }
        let model = ranking.evaluateUnmaskedAndMasked(split.test, ks: ks)
        return TestMetrics(model: model.unmasked, modelMasked: model.masked,
                           popularity: baseline(masked: false), popularityMasked: baseline(masked: true))
    }

    /// A table with one row per cutoff: NDCG and HR of the model and the baseline, unmasked
    /// then masked.
    public func formatted() -> String {
        func cell(_ value: Double) -> String { String(format: "%8.4f", value) }
        var lines = ["cases: \(model.count)",
                     "          --------- unmasked ----------    ---------- masked -----------",
                     "   k      ndcg      hr  pop-ndcg  pop-hr      ndcg      hr  pop-ndcg  pop-hr"]
        for k in model.ks {
            let row = [model.ndcg(at: k), model.hitRate(at: k), popularity.ndcg(at: k), popularity.hitRate(at: k),
                       modelMasked.ndcg(at: k), modelMasked.hitRate(at: k), popularityMasked.ndcg(at: k),
                       popularityMasked.hitRate(at: k)]
            lines.append(String(format: "%4d", k) + "  " + row.map(cell).joined())
        }
        return lines.joined(separator: "\n")
    }

    enum CodingKeys: String, CodingKey {
        case cases, model, popularity
        case modelMasked = "model_masked"
        case popularityMasked = "popularity_masked"
    }

    /// Each evaluation as its `summary` (`ndcg@10`, `hr@10`, ...).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(model.count, forKey: .cases)
        try container.encode(model.summary, forKey: .model)
        try container.encode(modelMasked.summary, forKey: .modelMasked)
        try container.encode(popularity.summary, forKey: .popularity)
        try container.encode(popularityMasked.summary, forKey: .popularityMasked)
    }
}

/// How a training run ended: the best epoch and the test metrics of its weights.
public struct TrainingResult: Sendable, Encodable {
    /// Cutoffs of the final test report.
    public static let reportedKs = [1, 5, 10, 20, 100]

    /// Epoch (0-based) with the best validation metric, whose weights were tested.
    public var bestEpoch: Int
    /// Its validation metric (NDCG at the first `eval-ks` cutoff).
    public var bestValidationMetric: Double
    /// Epochs completed.
    public var epochsTrained: Int
    /// Whether early stopping ended the run.
    public var stoppedEarly: Bool
    /// Test metrics of the best epoch and of the popularity baseline.
    public var test: TestMetrics

    enum CodingKeys: String, CodingKey {
        case test
        case bestEpoch = "best_epoch"
        case bestValidationMetric = "best_validation_metric"
        case epochsTrained = "epochs_trained"
        case stoppedEarly = "stopped_early"
    }
}
