import RecutCore
import RecutData

/// Scores the whole catalog with a trained model: the last position's hidden state times
/// every row of the item table.
///
/// Evaluation runs on the model's backend through `RankingBackend.rankCatalog`: the catalog is
/// scored tile by tile there and only each case's rank and top list come back to the host,
/// where `RankingMetrics` accumulates them.
public struct ModelRanking {
    /// The model to score with; its forward buffers are reused.
    public let model: SASRec
    private let backend: any RankingBackend
    private let ids: Tensor
    private let targets: Tensor
    private let ranks: Tensor
    private let topItems: Tensor

    /// Scoring with `model`, up to `model.maximumBatch` cases at a time; its backend must rank catalogs.
    public init(model: SASRec) {
        guard let backend = model.backend as? any RankingBackend else {
            preconditionFailure("the \(model.backend.name) backend cannot rank catalogs (RankingBackend)")
        }
        self.model = model
        self.backend = backend
        let batch = model.maximumBatch
        ids = backend.makeTensor(shape: [batch * model.configuration.maxLength], dtype: .int32)
        targets = backend.makeTensor(shape: [batch], dtype: .int32)
        ranks = backend.makeTensor(shape: [batch], dtype: .int32)
        topItems = backend.makeTensor(shape: [batch * CatalogRanking.maximumTopCount], dtype: .int32)
    }

    /// Scores [rows, C + 1] of `rows` right-aligned input rows of L ids each (`inputs`, B x L, padding 0).
    public func score(inputs: [Int32], rows: Int) -> [Float] {
        let length = model.configuration.maxLength, columns = model.configuration.catalogSize + 1
        let d = model.configuration.dimension
        precondition(inputs.count == rows * length && rows <= model.maximumBatch, "inputs must be rows x L")
        model.backend.write(inputs, into: ids)
        let hidden = model.lastHiddenStates(ids: ids, batch: rows, length: length)
        let output = model.backend.makeTensor(shape: [rows, columns], dtype: model.dtype)
        model.backend.matmul(output, hidden, model.itemEmbedding, rows: rows, columns: columns, inner: d,
                             transposeA: false, transposeB: true, alpha: 1, beta: 0)
        return model.backend.download(output)
    }

    /// Full-ranking metrics of `set` at `ks` (largest at most `CatalogRanking.maximumTopCount`),
    /// inputs cut to their last L events (as the reference does), with or without the items of
    /// each case's whole input sequence masked.
    public func evaluate(_ set: EvaluationSet, ks: [Int], maskInputItems: Bool) -> RankingMetrics {
        let catalogSize = model.configuration.catalogSize, length = model.configuration.maxLength
        let topCount = ks.max()!
        precondition(topCount <= CatalogRanking.maximumTopCount,
                     "evaluation cutoffs go up to \(CatalogRanking.maximumTopCount) (got \(topCount))")
        var metrics = RankingMetrics(ks: ks, catalogSize: catalogSize)
        for batch in set.batches(batchSize: model.maximumBatch, length: length) {
            let rows = batch.batchSize
            backend.write(batch.inputs, into: ids)
            backend.write(batch.targets, into: targets)
            let hidden = model.lastHiddenStates(ids: ids, batch: rows, length: length)
            var masked: Tensor?
            var maskWidth = 0
            if maskInputItems {
                maskWidth = batch.cases.map { set.inputs.range(of: $0).count }.max() ?? 0
                var maskIDs = [Int32](repeating: 0, count: rows * maskWidth)
                for (row, caseIndex) in batch.cases.enumerated() {
                    for (slot, item) in set.inputs[caseIndex].enumerated() { maskIDs[row * maskWidth + slot] = item }
                }
                masked = maskWidth > 0 ? backend.upload(maskIDs, shape: [maskIDs.count]) : nil
            }
            backend.rankCatalog(ranks: ranks, topItems: topItems, hidden: hidden, table: model.itemEmbedding,
                                targets: targets, maskedItems: masked, users: rows, catalogSize: catalogSize,
                                dimension: model.configuration.dimension, maskWidth: maskWidth, topCount: topCount)
            let rankings = CaseRankings(
                topCount: topCount, ranks: Array((backend.download(ranks) as [Int32]).prefix(rows)),
                topItems: Array((backend.download(topItems) as [Int32]).prefix(rows * topCount)))
            metrics.add(rankings)
        }
        return metrics
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
