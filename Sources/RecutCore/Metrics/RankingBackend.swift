/// Full-catalog ranking on a device: each user's target rank and top list, the scores
/// computed and consumed tile by tile, so that only ranks and top lists leave the device.
///
/// The protocol is `FullRankingEvaluator`'s: the score of item i for user u is
/// hidden[u, :] · table[i, :]; rank[u] = number of items 1...catalogSize (the padding row 0
/// never counts) scored strictly above the target, masked items excluded and the target kept.
/// A NaN target score counts as -infinity; NaN item scores never count and are never listed.
public protocol RankingBackend: Backend {
    /// Writes ranks [users] (int32) and topItems [users, topCount] (int32, best first, ties to
    /// the lower id, 0 after the last rankable item) for hidden [users, dimension] against the
    /// item table [catalogSize + 1, dimension] and targets [users] (int32, in 1...catalogSize).
    ///
    /// `maskedItems` [users, maskWidth] (int32) lists items to exclude per user (0 = no item;
    /// the target is never excluded). `topCount` is at most `CatalogRanking.maximumTopCount`.
    /// No [users, catalogSize] score matrix is ever held: the catalog is scored one tile at a time.
    func rankCatalog(ranks: Tensor, topItems: Tensor, hidden: Tensor, table: Tensor, targets: Tensor,
                     maskedItems: Tensor?, users: Int, catalogSize: Int, dimension: Int,
                     maskWidth: Int, topCount: Int)
}

/// Limits and argument checks shared by the `RankingBackend` conformances.
public enum CatalogRanking {
    /// The longest top list a device op selects (the GPU keeps it in shared memory).
    public static let maximumTopCount = 128

    /// Traps with a message naming the op when the operands do not fit the sizes.
    public static func checkArguments(ranks: Tensor, topItems: Tensor, hidden: Tensor, table: Tensor, targets: Tensor,
                                      maskedItems: Tensor?, users: Int, catalogSize: Int, dimension: Int,
                                      maskWidth: Int, topCount: Int) {
        precondition(users >= 0 && catalogSize > 0 && dimension > 0, "rankCatalog: sizes must be positive")
        precondition(topCount >= 1 && topCount <= maximumTopCount,
                     "rankCatalog: top lists hold 1...\(maximumTopCount) items (got \(topCount))")
        precondition(ranks.dtype == .int32 && ranks.count >= users, "rankCatalog: ranks must be \(users) int32")
        precondition(topItems.dtype == .int32 && topItems.count >= users * topCount,
                     "rankCatalog: topItems must be \(users) x \(topCount) int32")
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
