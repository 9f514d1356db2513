import RecutCore

extension CUDABackend {
    /// Rows per id row from which the negatives are scored as shared tiles (GEMM-shaped)
    /// rather than gathered row by row.
    static let tiledRowsPerNegativeRow = 16

    /// Per-position negatives are gathered inside a warp-per-row kernel; per-batch and
    /// per-sequence negatives are scored in shared 64 x 64 tiles (see FusedTiles.swift).
    /// Hidden states and table are float32 or bfloat16; the per-row vectors float32.
    public func sampledLogSumExpForward(_ logSumExp: Tensor, losses: Tensor, positiveLogits: Tensor,
                                        hidden: Tensor, table: Tensor, targets: Tensor,
                                        negativeIDs: NegativeIDs, logQ: LogQCorrection?,
                                        rows: Int, negatives: Int, rowsPerNegativeRow: Int, dimension: Int) {
        checkFusedOperands("sampledLogSumExpForward", rowOutputs: [logSumExp, losses, positiveLogits],
                           hidden: hidden, table: table, targets: targets, rows: rows, dimension: dimension)
        checkNegativeIDs(negativeIDs, rows: rows, negatives: negatives, rowsPerNegativeRow: rowsPerNegativeRow)
        guard rows > 0 else { return }
        let logQArguments = fusedLogQArguments(logQ, negativeIDs: negativeIDs, negatives: negatives)
        if let groups = sampledTileGroups(negativeIDs, logQArguments, rows: rows, negatives: negatives,
                                          rowsPerNegativeRow: rowsPerNegativeRow, dimension: dimension, table: table) {
            tiledLogSumExp(logSumExp, losses: losses, positiveLogits: positiveLogits, hidden: hidden, table: table,
                           targets: targets, groups: groups, includePositive: true)
            return
        }
        launch(hidden.dtype == .bfloat16 ? .sampledLogSumExpForwardBFloat16 : .sampledLogSumExpForward, grid: ((rows + 7) / 8, 1, 1), block: (256, 1, 1),
               [.address(logSumExp.address), .address(losses.address), .address(positiveLogits.address),
                .address(hidden.address), .address(table.address), .address(targets.address)]
                + negativeIDArguments(negativeIDs) + logQArguments
                + [.int32(Int32(rows)), .int32(Int32(negatives)), .int32(Int32(rowsPerNegativeRow)),
                   .int32(Int32(dimension)), .int64(table.count / dimension)])
    }

    /// The table gradient is summed with float atomics (16-byte vector reductions on sm_90),
    /// so the order of additions varies between runs. The hidden gradient has the hidden
    /// states' dtype (float32 or bfloat16); the table gradient is float32. Per-position
    /// negatives are swept in id ranges (`perPositionIDRanges`), one after another.
    public func sampledLogSumExpBackward(hiddenGradient: Tensor, tableGradient: Tensor,
                                         logSumExp: Tensor, positiveLogits: Tensor,
                                         hidden: Tensor, table: Tensor, targets: Tensor,
                                         negativeIDs: NegativeIDs, logQ: LogQCorrection?,
                                         rows: Int, negatives: Int, rowsPerNegativeRow: Int, dimension: Int,
                                         gradientScale: Double, filterThreshold: Double) {
        checkFusedOperands("sampledLogSumExpBackward", rowOutputs: [logSumExp, positiveLogits],
                           hidden: hidden, table: table, targets: targets, rows: rows, dimension: dimension)
        checkFusedGradients("sampledLogSumExpBackward", hiddenGradient: hiddenGradient, tableGradient: tableGradient,
                            table: table, rows: rows, dimension: dimension)
        checkNegativeIDs(negativeIDs, rows: rows, negatives: negatives, rowsPerNegativeRow: rowsPerNegativeRow)
        guard rows > 0 else { return }
        let logQArguments = fusedLogQArguments(logQ, negativeIDs: negativeIDs, negatives: negatives)
        if let groups = sampledTileGroups(negativeIDs, logQArguments, rows: rows, negatives: negatives,
                                          rowsPerNegativeRow: rowsPerNegativeRow, dimension: dimension, table: table) {
            tiledGradients(hiddenGradient: hiddenGradient, tableGradient: tableGradient, logSumExp: logSumExp,
                           hidden: hidden, table: table, targets: targets, groups: groups,
                           gradientScale: gradientScale, filterThreshold: filterThreshold)
            // The positive's share: its weights, then the indexed dot's backward (dH +=, dE += atomically).
            let positiveWeights = allocateTensor(shape: [rows], dtype: .float32)
            launchElementwise(.sampledPositiveWeights, count: rows,
                              [.address(positiveWeights.address), .address(logSumExp.address),
                               .address(positiveLogits.address), .address(targets.address), .int32(Int32(rows)),
                               .float(Float(gradientScale)), .float(Float(filterThreshold))])
            gatheredDotBackward(hiddenGradient: hiddenGradient, tableGradient: tableGradient,
                                logitGradient: positiveWeights, hidden: hidden, table: table, ids: targets,
                                rows: rows, idsPerRow: 1, dimension: dimension)
            return
        }
        // dH is summed over the id ranges in float32: in place for float32 hidden states, else
        // in a scratch vector converted at the end.
        let tableRows = table.count / dimension
        let dH = hiddenGradient.view(offset: 0, shape: [rows * dimension])
        let sums = hidden.dtype == .float32 ? dH : allocateTensor(shape: [rows * dimension], dtype: .float32)
        fill(sums, with: 0)
        let ranges = perPositionIDRanges(tableRows: tableRows, dimension: dimension, operand: hidden.dtype)
        launch(hidden.dtype == .bfloat16 ? .sampledLogSumExpBackwardBFloat16 : .sampledLogSumExpBackward,
               grid: ((rows + 7) / 8, ranges, 1), block: (256, 1, 1),
               [.address(sums.address), .address(tableGradient.address), .address(logSumExp.address),
                .address(positiveLogits.address), .address(hidden.address), .address(table.address),
                .address(targets.address)] + negativeIDArguments(negativeIDs) + logQArguments
                + [.int32(Int32(rows)), .int32(Int32(negatives)), .int32(Int32(rowsPerNegativeRow)),
                   .int32(Int32(dimension)), .int64(tableRows),
                   .float(Float(gradientScale)), .float(Float(filterThreshold)),
                   .int64((tableRows + ranges - 1) / ranges)])
        if hidden.dtype != .float32 { copy(dH, from: sums) }
    }

    /// How many id ranges the per-position backward sweeps one after another: enough that one
    /// range's rows of the table and of its float32 gradient fit `perPositionSliceBytes`, so
    /// that their random updates stay in L2.
    public func perPositionIDRanges(tableRows: Int, dimension: Int, operand: DType) -> Int {
        Self.idRanges(tableRows: tableRows, dimension: dimension, operand: operand, sliceBytes: perPositionSliceBytes)
    }

    /// The fewest ranges whose table rows (of `operand`) and float32 gradient rows each fit
    /// `sliceBytes`; at least one.
    static func idRanges(tableRows: Int, dimension: Int, operand: DType, sliceBytes: Int) -> Int {
        let bytes = tableRows * dimension * (operand.byteSize + 4)
        return max(1, (bytes + sliceBytes - 1) / sliceBytes)
    }

    /// The tile groups of negatives shared by at least `tiledRowsPerNegativeRow` rows; nil
    /// for per-position negatives (and none at all), which the warp-per-row kernels gather.
    private func sampledTileGroups(_ negativeIDs: NegativeIDs, _ logQArguments: [KernelArgument], rows: Int,
                                   negatives: Int, rowsPerNegativeRow: Int, dimension: Int,
                                   table: Tensor) -> FusedTileGroups? {
        guard negatives > 0, rowsPerNegativeRow >= Self.tiledRowsPerNegativeRow,
              case .stored(let ids) = negativeIDs else { return nil }
        return FusedTileGroups(ids: ids.address, logQ: logQArguments, rows: rows, columns: negatives,
                               rowsPerGroup: min(rowsPerNegativeRow, rows), dimension: dimension,
                               tableRows: table.count / dimension)
    }

    /// The per-position kernels' id arguments: the stored ids, or a null pointer and the
    /// counter's alias table, seed, step and catalog size for ids regenerated in the kernel.
    private func negativeIDArguments(_ negativeIDs: NegativeIDs) -> [KernelArgument] {
        switch negativeIDs {
        case .stored(let ids):
            return [.address(ids.address), .address(0), .address(0), .unsigned64(0), .int32(0), .int32(0)]
        case .drawn(let sampler, let step):
            return [.address(0), .address(sampler.aliasThresholds?.address ?? 0), .address(sampler.aliases?.address ?? 0),
                    .unsigned64(sampler.sampler.seed), .int32(Int32(bitPattern: UInt32(step))),
                    .int32(Int32(sampler.sampler.catalogSize))]
        }
    }

    private func checkNegativeIDs(_ negativeIDs: NegativeIDs, rows: Int, negatives: Int, rowsPerNegativeRow: Int) {
        precondition(negatives >= 0 && rowsPerNegativeRow >= 1,
                     "fused sampled loss: negatives \(negatives), rows per negative row \(rowsPerNegativeRow)")
        switch negativeIDs {
        case .stored(let ids):
            let idRows = rows == 0 ? 0 : (rows - 1) / rowsPerNegativeRow + 1
            precondition(ids.dtype == .int32 && ids.count >= idRows * negatives,
                         "fused sampled loss: negative ids hold fewer than \(idRows) int32 rows of \(negatives)")
        case .drawn:
            precondition(rowsPerNegativeRow == 1, "fused sampled loss: drawn negatives are per position")
        }
    }
}
