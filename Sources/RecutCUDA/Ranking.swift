import RecutCore

extension CUDABackend: RankingBackend {
    /// Item columns scored per tile: 8 selection blocks of 2048 items per row.
    static let rankingTileWidth = 16_384
    /// Users scored per tile, so that one tile holds at most 256 MiB of float32 scores.
    static let rankingRowsPerTile = CatalogRanking.usersPerTile

    /// Tiles of [4096 users, 16384 items] through cuBLASLt (strict float32); in each, the masked
    /// items are marked in a bitmap, every score is read once to count and select for both
    /// rankings (per-block top lists), and the candidates are merged into each user's running lists.
    ///
    /// Target scores come from the gathered dot product, whose rounding may differ from the
    /// tile's by an ulp: an item tying the target within that rounding may count differently
    /// than on the CPU; the target itself never counts. A NaN or infinite target score gives rank
    /// catalogSize, as on the CPU.
    public func rankCatalog(unmasked: CatalogRanking.Output?, masked: CatalogRanking.Output?, hidden: Tensor, table: Tensor,
                            targets: Tensor, maskedItems: Tensor?, users: Int, catalogSize: Int, dimension: Int,
                            maskWidth: Int, topCount: Int) {
        CatalogRanking.checkArguments(unmasked: unmasked, masked: masked, hidden: hidden, table: table, targets: targets,
                                      maskedItems: maskedItems, users: users, catalogSize: catalogSize,
                                      dimension: dimension, maskWidth: maskWidth, topCount: topCount)
        requireFloat32("rankCatalog", hidden, table)
        guard users > 0 else { return }
        let segment = 2048
        let tileWidth = min(Self.rankingTileWidth, (catalogSize + segment - 1) / segment * segment)
        let rowsPerTile = min(users, Self.rankingRowsPerTile)
        let candidateCapacity = tileWidth / segment * topCount
        let tile = allocateTensor(shape: [rowsPerTile * tileWidth], dtype: .float32)
        // Only the masked ranking needs the bitmap [rowsPerTile, tileWidth / 32], zero between tiles.
        let masks = masked != nil && maskWidth > 0 ? maskedItems : nil
        let maskBits = masks.map { _ in makeTensor(shape: [rowsPerTile * tileWidth / 32], dtype: .int32) }
        let thresholds = allocateTensor(shape: [users], dtype: .float32)
        // State of list 0 (unmasked) then list 1 (masked), [2, users, ...].
        let admission = allocateTensor(shape: [2 * users], dtype: .float32)
        let candidateCounts = allocateTensor(shape: [2 * users], dtype: .int32)
        // 8-byte list and candidate keys; float64 is only the element size here.
        let lists = allocateTensor(shape: [2 * users * topCount], dtype: .float64)
        let candidates = allocateTensor(shape: [2 * users * candidateCapacity], dtype: .float64)
        let unmaskedRanks = KernelArgument.address(unmasked?.ranks.address ?? 0)
        let maskedRanks = KernelArgument.address(masked?.ranks.address ?? 0)
        gatheredDotForward(thresholds, hidden: hidden, table: table, ids: targets, rows: users, idsPerRow: 1,
                           dimension: dimension)
        launchElementwise(.fullRankingReset, count: 2 * users * topCount,
                          [unmaskedRanks, maskedRanks, .address(lists.address), .address(admission.address),
                           .address(candidateCounts.address), .address(thresholds.address), .int32(Int32(users)),
                           .int32(Int32(topCount)), .int32(Int32(catalogSize))])
        var mergeKeys = 1
        while mergeKeys < topCount + candidateCapacity { mergeKeys <<= 1 }
        for firstRow in stride(from: 0, to: users, by: rowsPerTile) {
            let rows = min(rowsPerTile, users - firstRow)
            for firstItem in stride(from: 1, through: catalogSize, by: tileWidth) {
                let width = min(tileWidth, catalogSize + 1 - firstItem)
                matmul(tile, hidden.view(offset: firstRow * dimension, shape: [rows, dimension]),
                       table.view(offset: firstItem * dimension, shape: [width, dimension]),
                       rows: rows, columns: width, inner: dimension, transposeA: false, transposeB: true, alpha: 1, beta: 0)
                func markMasks(set: Bool) {
                    guard let masks, let maskBits else { return }
                    launchElementwise(.fullRankingMark, count: rows * maskWidth,
                                      [.address(maskBits.address), .int32(Int32(rows)), .int32(Int32(width)),
                                       .int32(Int32(firstItem)), .int32(Int32(firstRow)), .address(masks.address),
                                       .int32(Int32(maskWidth)), .address(targets.address), .int32(set ? 1 : 0)])
                }
                markMasks(set: true)
                launch(.fullRankingSelect, grid: ((width + segment - 1) / segment, rows, 1), block: (256, 1, 1),
                       [.address(tile.address), .address(maskBits?.address ?? 0), .int32(Int32(width)),
                        .int32(Int32(firstItem)), .int32(Int32(firstRow)), .int32(Int32(users)),
                        .address(thresholds.address), .address(targets.address), .address(admission.address),
                        unmaskedRanks, maskedRanks, .address(candidates.address), .address(candidateCounts.address),
                        .int32(Int32(candidateCapacity)), .int32(Int32(topCount))])
                markMasks(set: false)
                launch(.fullRankingMerge, grid: (rows, 2, 1), block: (256, 1, 1), sharedBytes: mergeKeys * 8,
                       [.address(lists.address), .address(admission.address), .address(candidates.address),
                        .address(candidateCounts.address), .int32(Int32(candidateCapacity)), .int32(Int32(topCount)),
                        .int32(Int32(firstRow)), .int32(Int32(users))])
            }
        }
        for (list, output) in [unmasked, masked].enumerated() {
            guard let output else { continue }
            launchElementwise(.fullRankingItems, count: users * topCount,
                              [.address(output.topItems.address),
                               .address(lists.view(offset: list * users * topCount, shape: [users * topCount]).address),
                               .int64(users * topCount)])
        }
    }
}
