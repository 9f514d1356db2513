/// Full-catalog ranking on a device: each user's target rank and top list, the scores
/// computed and consumed tile by tile, so that only ranks and top lists leave the device.
///
/// The protocol is `FullRankingEvaluator`'s: the score of item i for user u is
/// hidden[u, :] · table[i, :]; rank[u] = number of items 1...catalogSize (the padding row 0
/// never counts) scored strictly above the target, masked items excluded and the target kept.
/// A target scored NaN or infinite gets rank catalogSize (below every item); NaN item
/// scores never count and are never listed.
public protocol RankingBackend: Backend {
    /// Ranks hidden [users, dimension] against the item table [catalogSize + 1, dimension] for
    /// targets [users] (int32, in 1...catalogSize): `unmasked` gets the ranking of the whole
    /// catalog, `masked` the ranking without each user's masked items; one pass over the
    /// scores fills both (at least one must be given).
    ///
    /// `maskedItems` [users, maskWidth] (int32) lists items to exclude per user (0 = no item;
    /// an item may repeat; the target is never excluded); nil or `maskWidth` 0 excludes nothing.
    /// `topCount` is at most `CatalogRanking.maximumTopCount`. No [users, catalogSize] score
    /// matrix is ever held: the catalog is scored one tile at a time.
    func rankCatalog(unmasked: CatalogRanking.Output?, masked: CatalogRanking.Output?, hidden: Tensor, table: Tensor,
                     targets: Tensor, maskedItems: Tensor?, users: Int, catalogSize: Int, dimension: Int,
                     maskWidth: Int, topCount: Int)
}

/// Limits and argument checks shared by the `RankingBackend` conformances.
public enum CatalogRanking {
    /// The longest top list a device op selects (the GPU keeps it in shared memory).
    public static let maximumTopCount = 128
    /// Users a device ranks per tile of scores: callers with many users pass this many per call.
    public static let usersPerTile = 4096

    /// Where `rankCatalog` writes one ranking: ranks [users] (int32) and topItems [users, topCount]
    /// (int32, best first, ties to the lower id, 0 after the last rankable item).
    public struct Output: Sendable {
        /// Each user's target rank: items scored strictly above it, catalogSize when the target's
        /// score is NaN or infinite.
        public var ranks: Tensor
        /// Each user's top list, row-major.
        public var topItems: Tensor

        /// The ranking written into `ranks` and `topItems`.
        public init(ranks: Tensor, topItems: Tensor) {
            self.ranks = ranks
            self.topItems = topItems
        }
    }

    /// Traps with a message naming the op when the operands do not fit the sizes.
    public static func checkArguments(unmasked: Output?, masked: Output?, hidden: Tensor, table: Tensor, targets: Tensor,
                                      maskedItems: Tensor?, users: Int, catalogSize: Int, dimension: Int,
                                      maskWidth: Int, topCount: Int) {
        precondition(users >= 0 && catalogSize > 0 && dimension > 0, "rankCatalog: sizes must be positive")
        precondition(unmasked != nil || masked != nil, "rankCatalog: ask for the unmasked or the masked ranking")
        precondition(topCount >= 1 && topCount <= maximumTopCount,
                     "rankCatalog: top lists hold 1...\(maximumTopCount) items (got \(topCount))")
        for output in [unmasked, masked].compactMap({ $0 }) {
            precondition(output.ranks.dtype == .int32 && output.ranks.count >= users, "rankCatalog: ranks must be \(users) int32")
            precondition(output.topItems.dtype == .int32 && output.topItems.count >= users * topCount,
                         "rankCatalog: topItems must be \(users) x \(topCount) int32")
        }
        precondition(targets.dtype == .int32 && targets.count >= users, "rankCatalog: targets must be \(users) int32")
        precondition(hidden.dtype == table.dtype && hidden.count >= users * dimension,
                     "rankCatalog: hidden must be \(users) x \(dimension) of the table's dtype")
        precondition(table.count >= (catalogSize + 1) * dimension,
                     "rankCatalog: the table must have \(catalogSize + 1) rows of \(dimension)")
        if let maskedItems {
            precondition(maskedItems.dtype == .int32 && maskWidth >= 0 && maskedItems.count >= users * maskWidth,
                         "rankCatalog: maskedItems must be \(users) x \(maskWidth) int32")
        }
    }
}
