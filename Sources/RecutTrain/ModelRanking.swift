import RecutCore
import RecutData

/// Scores the whole catalog with a trained model: the last position's hidden state times
/// every row of the item table.
///
/// Evaluation runs on the model's backend through `RankingBackend.rankCatalog`: the hidden states
/// of up to `casesPerRanking` cases are gathered (the forward takes `model.maximumBatch` at a
/// time), the catalog is scored against them tile by tile there, and only each case's ranks and
/// top lists come back to the host, where `RankingMetrics` accumulates them.
public struct ModelRanking {
    /// The model to score with; its forward buffers are reused.
    public let model: SASRec
    /// Cases ranked per `rankCatalog` call: the largest multiple of the forward batch that fills
    /// one device tile of `CatalogRanking.usersPerTile` users (at least one batch).
    public let casesPerRanking: Int
    private let backend: any RankingBackend
    private let ids: Tensor
    private let hidden: Tensor
    private let targets: Tensor
    private let unmaskedOutput: CatalogRanking.Output
    private let maskedOutput: CatalogRanking.Output

    /// Scoring with `model`, `model.maximumBatch` cases per forward; its backend must rank catalogs.
    public init(model: SASRec) {
        guard let backend = model.backend as? any RankingBackend else {
            preconditionFailure("the \(model.backend.name) backend cannot rank catalogs (RankingBackend)")
        }
        self.model = model
        self.backend = backend
        let batch = model.maximumBatch
        let cases = max(1, CatalogRanking.usersPerTile / batch) * batch
        casesPerRanking = cases
        ids = backend.makeTensor(shape: [batch * model.configuration.maxLength], dtype: .int32)
        hidden = backend.makeTensor(shape: [cases, model.configuration.dimension], dtype: model.itemEmbedding.dtype)
        targets = backend.makeTensor(shape: [cases], dtype: .int32)
        func output() -> CatalogRanking.Output {
            CatalogRanking.Output(ranks: backend.makeTensor(shape: [cases], dtype: .int32),
                                  topItems: backend.makeTensor(shape: [cases * CatalogRanking.maximumTopCount], dtype: .int32))
        }
        unmaskedOutput = output()
        maskedOutput = output()
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
        let metrics = evaluate(set, ks: ks, unmasked: !maskInputItems, masked: maskInputItems)
        return (maskInputItems ? metrics.masked : metrics.unmasked)!
    }

    /// The metrics of `evaluate(_:ks:maskInputItems:)` without and with masking, from one pass
    /// over the scores.
    public func evaluateUnmaskedAndMasked(_ set: EvaluationSet, ks: [Int]) -> (unmasked: RankingMetrics,
                                                                             masked: RankingMetrics) {
        let metrics = evaluate(set, ks: ks, unmasked: true, masked: true)
        return (metrics.unmasked!, metrics.masked!)
    }

    /// The metrics of the rankings asked for (nil for the others).
    private func evaluate(_ set: EvaluationSet, ks: [Int], unmasked ranksUnmasked: Bool, masked ranksMasked: Bool)
        -> (unmasked: RankingMetrics?, masked: RankingMetrics?) {
        let catalogSize = model.configuration.catalogSize, length = model.configuration.maxLength
        let dimension = model.configuration.dimension, batchSize = model.maximumBatch
        let topCount = ks.max()!
        precondition(topCount <= CatalogRanking.maximumTopCount,
                     "evaluation cutoffs go up to \(CatalogRanking.maximumTopCount) (got \(topCount))")
        var unmaskedMetrics = ranksUnmasked ? RankingMetrics(ks: ks, catalogSize: catalogSize) : nil
        var maskedMetrics = ranksMasked ? RankingMetrics(ks: ks, catalogSize: catalogSize) : nil
        let batches = set.batches(batchSize: batchSize, length: length)
        let batchesPerRanking = casesPerRanking / batchSize
        for firstBatch in stride(from: 0, to: batches.count, by: batchesPerRanking) {
            var rows = 0
            for batch in batches[firstBatch..<min(firstBatch + batchesPerRanking, batches.count)] {
                backend.write(batch.inputs, into: ids)
                let states = model.lastHiddenStates(ids: ids, batch: batch.batchSize, length: length)
                backend.copy(hidden.view(offset: rows * dimension, shape: [batch.batchSize, dimension]), from: states)
                rows += batch.batchSize
            }
            let cases = firstBatch * batchSize..<firstBatch * batchSize + rows
            backend.write(Array(set.targets[cases]), into: targets)
            var maskedItems: Tensor?
            var maskWidth = 0
            if ranksMasked {
                maskWidth = cases.map { set.inputs.length($0) }.max() ?? 0
                var maskIDs = [Int32](repeating: 0, count: rows * maskWidth)
                for (row, caseIndex) in cases.enumerated() {
                    for (slot, item) in set.inputs[caseIndex].enumerated() { maskIDs[row * maskWidth + slot] = item }
                }
                maskedItems = maskWidth > 0 ? backend.upload(maskIDs, shape: [maskIDs.count]) : nil
            }
            backend.rankCatalog(unmasked: ranksUnmasked ? unmaskedOutput : nil, masked: ranksMasked ? maskedOutput : nil,
                                hidden: hidden, table: model.itemEmbedding, targets: targets, maskedItems: maskedItems,
                                users: rows, catalogSize: catalogSize, dimension: dimension, maskWidth: maskWidth,
                                topCount: topCount)
            func rankings(_ output: CatalogRanking.Output) -> CaseRankings {
                CaseRankings(topCount: topCount, ranks: backend.download(output.ranks.view(offset: 0, shape: [rows])),
                             topItems: backend.download(output.topItems.view(offset: 0, shape: [rows * topCount])))
            }
            unmaskedMetrics?.add(rankings(unmaskedOutput))
            maskedMetrics?.add(rankings(maskedOutput))
        }
        return (unmaskedMetrics, maskedMetrics)
    }

    /// One sequence to recommend after: its items (ids, oldest first) and further items never to recommend.
    public struct Query: Sendable, Equatable {
        /// The input sequence, oldest first; the model reads its last L items.
        public var items: [Int32]
        /// Items left out of the recommendations besides the input items.
        public var excluded: [Int32]

        /// A query for the items after `items`, never listing `items` or `excluded`.
        public init(items: [Int32], excluded: [Int32] = []) {
            self.items = items
            self.excluded = excluded
        }
    }

    /// The `count` best items for one input sequence (item ids, oldest first), best first,
    /// excluding padding and the input items.
    public func recommend(after items: [Int32], count: Int) -> [(item: Int32, score: Float)] {
        guard count > CatalogRanking.maximumTopCount else { return recommend([Query(items: items)], count: count)[0] }
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

    /// The `count` best items after each query, best first (ties to the lower id), never padding, a
    /// query's input items or its excluded items; fewer when the catalog runs out.
    ///
    /// All queries (at most `model.maximumBatch`) go through one forward and one `rankCatalog`
    /// pass on the device, so a server answers concurrent requests together. Only the top lists
    /// and the queries' hidden states come back; each listed item's score is its hidden state
    /// times its row of the item table, summed in order on the host.
    public func recommend(_ queries: [Query], count: Int) -> [[(item: Int32, score: Float)]] {
        let rows = queries.count
        let length = model.configuration.maxLength, dimension = model.configuration.dimension
        precondition(rows >= 1 && rows <= model.maximumBatch, "recommend takes 1...\(model.maximumBatch) queries (got \(rows))")
        precondition(count >= 1 && count <= CatalogRanking.maximumTopCount,
                     "recommend lists 1...\(CatalogRanking.maximumTopCount) items (got \(count))")
        var inputs = [Int32](repeating: 0, count: rows * length)
        for (row, query) in queries.enumerated() {
            let window = query.items.suffix(length)
            inputs.replaceSubrange((row + 1) * length - window.count..<(row + 1) * length, with: window)
        }
        backend.write(inputs, into: ids)
        let states = model.lastHiddenStates(ids: ids, batch: rows, length: length)
        // No case has a target: row 0 (padding) stands in, and only the masked top lists are read.
        backend.write([Int32](repeating: 0, count: rows), into: targets)
        let maskWidth = queries.map { $0.items.count + $0.excluded.count }.max()!
        var maskIDs = [Int32](repeating: 0, count: rows * maskWidth)
        for (row, query) in queries.enumerated() {
            maskIDs.replaceSubrange(row * maskWidth..<row * maskWidth + query.items.count, with: query.items)
            maskIDs.replaceSubrange(row * maskWidth + query.items.count..<row * maskWidth + query.items.count + query.excluded.count,
                                    with: query.excluded)
        }
        let maskedItems = maskWidth > 0 ? backend.upload(maskIDs, shape: [maskIDs.count]) : nil
        backend.rankCatalog(unmasked: nil, masked: maskedOutput, hidden: states, table: model.itemEmbedding, targets: targets,
                            maskedItems: maskedItems, users: rows, catalogSize: model.configuration.catalogSize,
                            dimension: dimension, maskWidth: maskWidth, topCount: count)
        let topItems: [Int32] = backend.download(maskedOutput.topItems.view(offset: 0, shape: [rows * count]))
        let hiddenStates: [Float] = backend.download(states)
        let listed = backend.makeTensor(shape: [rows * count, dimension], dtype: model.itemEmbedding.dtype)
        backend.embeddingForward(listed, ids: maskedOutput.topItems, table: model.itemEmbedding, count: rows * count,
                                 dimension: dimension)
        let rowsOfItems: [Float] = backend.download(listed)
        return (0..<rows).map { row in
            (0..<count).compactMap { slot -> (item: Int32, score: Float)? in
                let item = topItems[row * count + slot]
                guard item != 0 else { return nil }
                var score: Float = 0
                for column in 0..<dimension {
                    score += hiddenStates[row * dimension + column] * rowsOfItems[(row * count + slot) * dimension + column]
                }
                return (item, score)
            }
        }
    }
}
