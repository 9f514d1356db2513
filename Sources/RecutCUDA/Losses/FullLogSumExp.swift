import RecutCore

extension CUDABackend {
    /// Tiles of H Eᵀ over the items 1...C, the item dimension split across blocks whose
    /// partial (maximum, sum) pairs a second kernel combines.
    public func fullLogSumExpForward(_ logSumExp: Tensor, losses: Tensor, positiveLogits: Tensor,
                                     hidden: Tensor, table: Tensor, targets: Tensor,
                                     rows: Int, itemCount: Int, dimension: Int) {
        checkFusedOperands("fullLogSumExpForward", rowOutputs: [logSumExp, losses, positiveLogits],
                           hidden: hidden, table: table, targets: targets, rows: rows, dimension: dimension)
        precondition(table.count == (itemCount + 1) * dimension,
                     "fullLogSumExpForward: table must be [\(itemCount + 1), \(dimension)]")
        guard rows > 0 else { return }
        tiledLogSumExp(logSumExp, losses: losses, positiveLogits: positiveLogits, hidden: hidden, table: table,
                       targets: targets, groups: catalogGroups(rows: rows, itemCount: itemCount, dimension: dimension),
                       includePositive: false)
    }

    /// Recomputes the tiles; a tile whose weights all fall below the threshold is skipped (64 x
    /// 64 in float32, each warp's 16 x 64 in bfloat16). The table gradient is summed with float atomics, so the order of additions
    /// varies between runs.
    public func fullLogSumExpBackward(hiddenGradient: Tensor, tableGradient: Tensor, logSumExp: Tensor,
                                      hidden: Tensor, table: Tensor, targets: Tensor,
                                      rows: Int, itemCount: Int, dimension: Int,
                                      gradientScale: Double, filterThreshold: Double) {
        checkFusedOperands("fullLogSumExpBackward", rowOutputs: [logSumExp],
                           hidden: hidden, table: table, targets: targets, rows: rows, dimension: dimension)
        checkFusedGradients("fullLogSumExpBackward", hiddenGradient: hiddenGradient, tableGradient: tableGradient,
                            table: table, rows: rows, dimension: dimension)
        precondition(table.count == (itemCount + 1) * dimension,
                     "fullLogSumExpBackward: table must be [\(itemCount + 1), \(dimension)]")
        guard rows > 0 else { return }
        tiledGradients(hiddenGradient: hiddenGradient, tableGradient: tableGradient, logSumExp: logSumExp,
                       hidden: hidden, table: table, targets: targets,
                       groups: catalogGroups(rows: rows, itemCount: itemCount, dimension: dimension),
                       gradientScale: gradientScale, filterThreshold: filterThreshold)
    }

    /// The whole catalog as one group of columns (items 1...C) shared by every row.
    private func catalogGroups(rows: Int, itemCount: Int, dimension: Int) -> FusedTileGroups {
        FusedTileGroups(ids: 0, logQ: [.address(0), .int32(0), .float(0)], rows: rows, columns: itemCount,
                        rowsPerGroup: rows, dimension: dimension, tableRows: itemCount + 1)
    }
}
