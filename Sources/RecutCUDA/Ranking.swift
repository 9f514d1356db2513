import RecutCore

extension CUDABackend: RankingBackend {
    /// Item columns scored per tile: 8 selection blocks of 2048 items per row.
    static let rankingTileWidth = 16_384
    /// Users scored per tile, so that one tile holds at most 256 MiB of float32 scores.
    static let rankingRowsPerTile = 4096

    /// Tiles of [4096 users, 16384 items] through cuBLASLt (strict float32), each masked,
    /// counted and reduced to per-block top lists, then merged into each user's running list.
    ///
    /// Target scores come from the gathered dot product, whose rounding may differ from the
    /// tile's by an ulp: an item tying the target within that rounding may count differently
    /// than on the CPU; the target itself never counts.
    public func rankCatalog(ranks: Tensor, topItems: Tensor, hidden: Tensor, table: Tensor, targets: Tensor,
                            maskedItems: Tensor?, users: Int, catalogSize: Int, dimension: Int,
                            maskWidth: Int, topCount: Int) {
        CatalogRanking.checkArguments(ranks: ranks, topItems: topItems, hidden: hidden, table: table, targets: targets,
                                      maskedItems: maskedItems, users: users, catalogSize: catalogSize,
                                      dimension: dimension, maskWidth: maskWidth, topCount: topCount)
        requireFloat32("rankCatalog", hidden, table)
        guard users > 0 else { return }
        let segment = 2048
        let tileWidth = min(Self.rankingTileWidth, (catalogSize + segment - 1) / segment * segment)
        let rowsPerTile = min(users, Self.rankingRowsPerTile)
        let candidateCapacity = tileWidth / segment * topCount
        let tile = allocateTensor(shape: [rowsPerTile * tileWidth], dtype: .float32)
        let thresholds = allocateTensor(shape: [users], dtype: .float32)
        let admission = allocateTensor(shape: [users], dtype: .float32)
        let candidateCounts = allocateTensor(shape: [users], dtype: .int32)
        // 8-byte list and candidate keys; float64 is only the element size here.
        let lists = allocateTensor(shape: [users * topCount], dtype: .float64)
        let candidates = allocateTensor(shape: [users * candidateCapacity], dtype: .float64)
        gatheredDotForward(thresholds, hidden: hidden, table: table, ids: targets, rows: users, idsPerRow: 1,
                           dimension: dimension)
        launchElementwise(.fullRankingReset, count: users * topCount,
                          [.address(ranks.address), .address(lists.address), .address(admission.address),
                           .address(candidateCounts.address), .int32(Int32(users)), .int32(Int32(topCount))])
        var mergeKeys = 1
        while mergeKeys < topCount + candidateCapacity { mergeKeys <<= 1 }
        for firstRow in stride(from: 0, to: users, by: rowsPerTile) {
            let rows = min(rowsPerTile, users - firstRow)
            for firstItem in stride(from: 1, through: catalogSize, by: tileWidth) {
                let width = min(tileWidth, catalogSize + 1 - firstItem)
                matmul(tile, hidden.view(offset: firstRow * dimension, shape: [rows, dimension]),
                       table.view(offset: firstItem * dimension, shape: [width, dimension]),
                       rows: rows, columns: width, inner: dimension, transposeA: false, transposeB: true, alpha: 1, beta: 0)
                if let maskedItems, maskWidth > 0 {
                    launchElementwise(.fullRankingMask, count: rows * maskWidth,
                                      [.address(tile.address), .int32(Int32(rows)), .int32(Int32(width)),
                                       .int32(Int32(firstItem)), .int32(Int32(firstRow)), .address(maskedItems.address),
                                       .int32(Int32(maskWidth)), .address(targets.address)])
                }
                launch(.fullRankingSelect, grid: ((width + segment - 1) / segment, rows, 1), block: (256, 1, 1),
                       [.address(tile.address), .int32(Int32(width)), .int32(Int32(firstItem)), .int32(Int32(firstRow)),
                        .address(thresholds.address), .address(targets.address), .address(admission.address),
                        .address(ranks.address), .address(candidates.address), .address(candidateCounts.address),
                        .int32(Int32(candidateCapacity)), .int32(Int32(topCount))])
                launch(.fullRankingMerge, grid: (rows, 1, 1), block: (256, 1, 1), sharedBytes: mergeKeys * 8,
                       [.address(lists.address), .address(admission.address), .address(candidates.address),
                        .address(candidateCounts.address), .int32(Int32(candidateCapacity)), .int32(Int32(topCount)),
                        .int32(Int32(firstRow))])
            }
        }
        launchElementwise(.fullRankingItems, count: users * topCount,
                          [.address(topItems.address), .address(lists.address), .int64(users * topCount)])
    }
}
