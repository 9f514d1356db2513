import RecutCore
import RecutData

/// Scores the whole catalog with a trained model: the last position's hidden state times
/// every row of the item table.
public struct ModelRanking {
    /// The model to score with; its forward buffers are reused.
    public let model: SASRec
    private let ids: Tensor
    private let scores: Tensor

    /// Scoring with `model`, up to `model.maximumBatch` cases at a time.
    public init(model: SASRec) {
        self.model = model
        let length = model.configuration.maxLength
        ids = model.backend.makeTensor(shape: [model.maximumBatch * length], dtype: .int32)
        scores = model.backend.makeTensor(shape: [model.maximumBatch * (model.configuration.catalogSize + 1)],
                                          dtype: model.dtype)
    }

    /// Scores [rows, C + 1] of `rows` right-aligned input rows of L ids each (`inputs`, B x L, padding 0).
    public func score(inputs: [Int32], rows: Int) -> [Float] {
        let length = model.configuration.maxLength, columns = model.configuration.catalogSize + 1
        let d = model.configuration.dimension
        precondition(inputs.count == rows * length && rows <= model.maximumBatch, "inputs must be rows x L")
        model.backend.write(inputs, into: ids)
        let hidden = model.lastHiddenStates(ids: ids, batch: rows, length: length)
        let output = scores.view(offset: 0, shape: [rows, columns])
        model.backend.matmul(output, hidden, model.itemEmbedding, rows: rows, columns: columns, inner: d,
                             transposeA: false, transposeB: true, alpha: 1, beta: 0)
        return model.backend.download(output)
    }

    /// Full-ranking metrics of `set` at `ks`, inputs cut to their last L events (as the reference
    /// does), with or without the input items masked.
    public func evaluate(_ set: EvaluationSet, ks: [Int], maskInputItems: Bool) -> RankingMetrics {
        let batchSize = model.maximumBatch
        let batches = set.batches(batchSize: batchSize, length: model.configuration.maxLength)
        let evaluator = FullRankingEvaluator(catalogSize: model.configuration.catalogSize, ks: ks,
                                             maskInputItems: maskInputItems)
        return evaluator.evaluate(inputs: set.inputs, targets: set.targets, batchSize: batchSize) { cases, scores in
            let batch = batches[cases.lowerBound / batchSize]
            scores = score(inputs: batch.inputs, rows: batch.batchSize)
        }
    }

    /// The `count` best items for one input sequence (item ids, oldest first), best first,
    /// excluding padding and the input items.
    public func recommend(after items: [Int32], count: Int) -> [(item: Int32, score: Float)] {
        let length = model.configuration.maxLength
        let window = items.suffix(length)
        let row = [Int32](repeating: 0, count: length - window.count) + window
        var scores = score(inputs: row, rows: 1)
        scores[0] = -.infinity
        for item in items { scores[Int(item)] = -.infinity }
        let ranked = scores.indices.filter { scores[$0] > -.infinity }
            .sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        return ranked.prefix(count).map { (Int32($0), scores[$0]) }
    }
}
