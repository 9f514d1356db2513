/// The most-popular baseline, ranked exactly without scoring the catalog.
///
/// Every case shares one global order: training count descending, then lower id first, so no
/// two items tie and ranks are never optimistic. A target's rank is its place in that order,
/// less (when input items are masked) the distinct input items placed above it; a top list is
/// the head of the order, masked items skipped. The metrics equal those of
/// `FullRankingEvaluator` over the scores "place from the bottom of the order", in
/// O(training events + catalog + cases x (input length + largest cutoff)) instead of O(cases x catalog).
public struct PopularityRanking: Sendable {
    /// Number of rankable items C.
    public let catalogSize: Int
    /// Training occurrences of each item; index 0 (padding) is 0.
    public let counts: [Int]
    /// Items 1...C, most popular first.
    public let order: [Int32]
    /// `places[item]`: the item's 0-based position in `order`; index 0 (padding) is unused.
    public let places: [Int32]

    /// Counts every item occurrence of `train` (ids 1...`catalogSize`) and orders the catalog.
    public init(train: Sequences, catalogSize: Int) {
        precondition(catalogSize > 0 && catalogSize < Int(Int32.max),
                     "the popularity baseline supports 1...\(Int32.max - 1) items (got \(catalogSize))")
        var counts = [Int](repeating: 0, count: catalogSize + 1)
        for sequence in 0..<train.count {
            for item in train[sequence] {
                precondition(item >= 1 && Int(item) <= catalogSize, "training item \(item) is outside 1...\(catalogSize)")
                counts[Int(item)] += 1
            }
        }
        // Counting sort by count, descending; ascending ids within a count, as the sort is stable.
        let largestCount = counts.max()!
        var slotOfCount = [Int](repeating: 0, count: largestCount + 2)
        for item in 1...catalogSize { slotOfCount[largestCount - counts[item] + 1] += 1 }
        for index in 1..<slotOfCount.count { slotOfCount[index] += slotOfCount[index - 1] }
        var order = [Int32](repeating: 0, count: catalogSize)
        var places = [Int32](repeating: 0, count: catalogSize + 1)
        for item in 1...catalogSize {
            let place = slotOfCount[largestCount - counts[item]]
            slotOfCount[largestCount - counts[item]] += 1
            order[place] = Int32(item)
            places[item] = Int32(place)
        }
        self.catalogSize = catalogSize
        self.counts = counts
        self.order = order
        self.places = places
    }

    /// Full-ranking metrics of the cases (input `inputs[i]`, target `targets[i]`) at the cutoffs
    /// `ks`, with or without each case's input items excluded (the target always stays).
    public func evaluate(inputs: Sequences, targets: [Int32], ks: [Int], maskInputItems: Bool) -> RankingMetrics {
        var metrics = RankingMetrics(ks: ks, catalogSize: catalogSize)
        rankAll(inputs: inputs, targets: targets, topCount: ks.max()!, maskInputItems: maskInputItems) { _, rank, topItems in
            metrics.add(rank: rank, topItems: topItems)
        }
        return metrics
    }

    /// Each case's rank and top list of `topCount` items, as `FullRankingEvaluator.rankings` gives them.
    public func rankings(inputs: Sequences, targets: [Int32], topCount: Int, maskInputItems: Bool) -> CaseRankings {
        var ranks = [Int32](repeating: 0, count: targets.count)
        var topItems = [Int32](repeating: 0, count: targets.count * topCount)
        rankAll(inputs: inputs, targets: targets, topCount: topCount, maskInputItems: maskInputItems) { caseIndex, rank, listed in
            ranks[caseIndex] = Int32(rank)
            for (position, item) in listed.enumerated() { topItems[caseIndex * topCount + position] = item }
        }
        return CaseRankings(topCount: topCount, ranks: ranks, topItems: topItems)
    }

    /// Hands each case's rank and top list (at most `topCount` items, best first) to `record`, in case order.
    private func rankAll(inputs: Sequences, targets: [Int32], topCount: Int, maskInputItems: Bool,
                         record: (_ caseIndex: Int, _ rank: Int, _ topItems: UnsafeBufferPointer<Int32>) -> Void) {
        precondition(inputs.count == targets.count, "\(inputs.count) input sequences but \(targets.count) targets")
        precondition(topCount > 0, "top lists need room for at least one item (got \(topCount))")
        let listLength = min(topCount, catalogSize)
        // maskedBy[item] == c + 1 when case c masks the item; 0 never matches a case.
        var maskedBy = [Int32](repeating: 0, count: maskInputItems ? catalogSize + 1 : 0)
        var list = [Int32](repeating: 0, count: listLength)
        order.withUnsafeBufferPointer { order in
            places.withUnsafeBufferPointer { places in
                inputs.itemStorage.withUnsafeBufferPointer { inputItems in
                    maskedBy.withUnsafeMutableBufferPointer { maskedBy in
                        list.withUnsafeMutableBufferPointer { list in
                            let globalHead = UnsafeBufferPointer(rebasing: order[0..<listLength])
                            for (caseIndex, target) in targets.enumerated() {
                                precondition(target >= 1 && Int(target) <= catalogSize,
                                             "target \(target) of case \(caseIndex) is outside 1...\(catalogSize)")
                                let targetPlace = Int(places[Int(target)])
                                guard maskInputItems else {
                                    record(caseIndex, targetPlace, globalHead)
                                    continue
                                }
                                let stamp = Int32(caseIndex + 1)
                                var maskedAbove = 0
                                for position in inputs.range(of: caseIndex) {
                                    let item = Int(inputItems[position])
                                    precondition(item >= 0 && item <= catalogSize,
                                                 "input item \(item) of case \(caseIndex) is outside 0...\(catalogSize)")
                                    guard item != 0, item != Int(target), maskedBy[item] != stamp else { continue }
                                    maskedBy[item] = stamp
                                    if Int(places[item]) < targetPlace { maskedAbove += 1 }
                                }
                                var listed = 0, place = 0
                                while listed < listLength && place < catalogSize {
                                    let item = order[place]
                                    if maskedBy[Int(item)] != stamp {
                                        list[listed] = item
                                        listed += 1
                                    }
                                    place += 1
                                }
                                record(caseIndex, targetPlace - maskedAbove,
                                       UnsafeBufferPointer(rebasing: list[0..<listed]))
                            }
                        }
                    }
                }
            }
        }
    }
}
