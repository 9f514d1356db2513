/// Each evaluation case's target rank and top list, as a full-ranking op returns them.
///
/// The metrics are accumulated on the host from these (`RankingMetrics.add(_:)`), so a
/// device only sends back `count` ranks and `count * topCount` item ids.
public struct CaseRankings: Sendable, Equatable {
    /// Length of each case's top-list slot.
    public let topCount: Int
    /// Case i's target rank: items scored strictly above it.
    public var ranks: [Int32]
    /// Row-major [count, topCount]: case i's items best first, 0 after its last listed item.
    public var topItems: [Int32]

    /// Rankings of `ranks.count` cases with `topItems` laid out [ranks.count, topCount].
    public init(topCount: Int, ranks: [Int32], topItems: [Int32]) {
        precondition(topCount > 0 && topItems.count == ranks.count * topCount,
                     "\(ranks.count) cases need \(ranks.count * topCount) top items, got \(topItems.count)")
        self.topCount = topCount
        self.ranks = ranks
        self.topItems = topItems
    }

    /// Number of cases.
    public var count: Int { ranks.count }

    /// The listed items of case `index`, best first, without the trailing zeros.
    public func topItems(ofCase index: Int) -> ArraySlice<Int32> {
        let slot = topItems[index * topCount..<(index + 1) * topCount]
        return slot.prefix { $0 != 0 }
    }
}

extension RankingMetrics {
    /// Adds every case of `rankings`, in order.
    public mutating func add(_ rankings: CaseRankings) {
        for index in 0..<rankings.count {
            add(rank: Int(rankings.ranks[index]), topItems: rankings.topItems(ofCase: index))
        }
    }
}
