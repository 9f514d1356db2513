/// The most-popular baseline: every case gets the same scores, higher for items seen more
/// often in training.
///
/// Items with equal training counts are ordered by id (lower id first) through the score
/// itself: the score is the item's place from the bottom of that order, so no two items tie
/// and ranks are never optimistic. Scores are exact in Float up to 2^24 items.
public struct PopularityScorer: Sendable {
    /// Number of rankable items C.
    public let catalogSize: Int
    /// Training occurrences of each item; index 0 (padding) is 0.
    public let counts: [Int]
    /// One score row `[catalogSize + 1]` shared by all cases: the most popular item scores C,
    /// the least popular 1, padding 0.
    public let itemScores: [Float]

    /// Counts every item occurrence of `train` (ids 1...`catalogSize`).
    public init(train: Sequences, catalogSize: Int) {
        precondition(catalogSize > 0 && catalogSize <= 1 << 24,
                     "the popularity baseline supports 1...16777216 items (got \(catalogSize))")
        var counts = [Int](repeating: 0, count: catalogSize + 1)
        for sequence in 0..<train.count {
            for item in train[sequence] {
                precondition(item >= 1 && Int(item) <= catalogSize, "training item \(item) is outside 1...\(catalogSize)")
                counts[Int(item)] += 1
            }
        }
        let order = (1...catalogSize).sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }
        var itemScores = [Float](repeating: 0, count: catalogSize + 1)
        for (place, item) in order.enumerated() { itemScores[item] = Float(catalogSize - place) }
        self.catalogSize = catalogSize
        self.counts = counts
        self.itemScores = itemScores
    }

    /// Fills `scores` (row-major `[cases.count, catalogSize + 1]`) with the popularity row.
    public func score(cases: Range<Int>, into scores: inout [Float]) {
        let rowWidth = catalogSize + 1
        precondition(scores.count == cases.count * rowWidth, "expected \(cases.count) x \(rowWidth) scores, got \(scores.count)")
        itemScores.withUnsafeBufferPointer { row in
            scores.withUnsafeMutableBufferPointer { output in
                for caseRow in 0..<cases.count {
                    _ = UnsafeMutableBufferPointer(rebasing: output[caseRow * rowWidth..<(caseRow + 1) * rowWidth])
                        .update(fromContentsOf: row)
                }
            }
        }
    }

    /// `score(cases:into:)` as a closure for `FullRankingEvaluator.evaluate`.
    public var scorer: (_ cases: Range<Int>, _ scores: inout [Float]) -> Void { score(cases:into:) }
}
