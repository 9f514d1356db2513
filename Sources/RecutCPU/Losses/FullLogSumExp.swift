import RecutCore

extension CPUBackend {
    public func fullLogSumExpForward(_ logSumExp: Tensor, losses: Tensor, positiveLogits: Tensor,
                                     hidden: Tensor, table: Tensor, targets: Tensor,
                                     rows: Int, itemCount: Int, dimension: Int) {
        if widenedBFloat16([logSumExp, losses, positiveLogits, hidden, table, targets], written: [0, 1], { t in
            fullLogSumExpForward(t[0], losses: t[1], positiveLogits: t[2], hidden: t[3], table: t[4], targets: t[5],
                                 rows: rows, itemCount: itemCount, dimension: dimension)
        }) != nil { return }
        checkFusedOutputs([logSumExp, losses, positiveLogits], gradients: nil,
                          hidden: hidden, table: table, rows: rows, dimension: dimension)
        precondition(table.count == (itemCount + 1) * dimension,
                     "fullLogSumExpForward: table must be [\(itemCount + 1), \(dimension)]")
        dispatch(hidden.dtype) {
            let grid = FullTileGrid(operands: FusedOperands<Float>(hidden: hidden, table: table, targets: targets,
                                                                   rows: rows, dimension: dimension))
            grid.forward(logSumExp.pointer(as: Float.self), losses.pointer(as: Float.self),
                         positiveLogits.pointer(as: Float.self))
        } double: {
            let grid = FullTileGrid(operands: FusedOperands<Double>(hidden: hidden, table: table, targets: targets,
                                                                    rows: rows, dimension: dimension))
            grid.forward(logSumExp.pointer(as: Double.self), losses.pointer(as: Double.self),
                         positiveLogits.pointer(as: Double.self))
        }
    }

    public func fullLogSumExpBackward(hiddenGradient: Tensor, tableGradient: Tensor, logSumExp: Tensor,
                                      hidden: Tensor, table: Tensor, targets: Tensor,
                                      rows: Int, itemCount: Int, dimension: Int,
                                      gradientScale: Double, filterThreshold: Double) {
        if widenedBFloat16([hiddenGradient, tableGradient, logSumExp, hidden, table, targets], written: [0, 1], { t in
            fullLogSumExpBackward(hiddenGradient: t[0], tableGradient: t[1], logSumExp: t[2], hidden: t[3], table: t[4],
                                  targets: t[5], rows: rows, itemCount: itemCount, dimension: dimension,
                                  gradientScale: gradientScale, filterThreshold: filterThreshold)
        }) != nil { return }
        checkFusedOutputs([logSumExp], gradients: (hiddenGradient, tableGradient),
                          hidden: hidden, table: table, rows: rows, dimension: dimension)
        precondition(table.count == (itemCount + 1) * dimension,
                     "fullLogSumExpBackward: table must be [\(itemCount + 1), \(dimension)]")
        dispatch(hidden.dtype) {
            let grid = FullTileGrid(operands: FusedOperands<Float>(hidden: hidden, table: table, targets: targets,
                                                                   rows: rows, dimension: dimension))
            let weights = FullTileWeights(logSumExp: logSumExp.pointer(as: Float.self),
                                          scale: Float(gradientScale), threshold: Float(filterThreshold))
            grid.hiddenGradients(hiddenGradient.pointer(as: Float.self), weights)
            grid.tableGradients(tableGradient.pointer(as: Float.self), weights)
        } double: {
            let grid = FullTileGrid(operands: FusedOperands<Double>(hidden: hidden, table: table, targets: targets,
                                                                    rows: rows, dimension: dimension))
            let weights = FullTileWeights(logSumExp: logSumExp.pointer(as: Double.self),
                                          scale: gradientScale, threshold: filterThreshold)
            grid.hiddenGradients(hiddenGradient.pointer(as: Double.self), weights)
            grid.tableGradients(tableGradient.pointer(as: Double.self), weights)
        }
    }
}

/// What the backward pass turns a logit tile into: softmax weights minus the target one-hot,
/// and the filtering threshold that decides whether the tile counts at all.
private struct FullTileWeights<S: CPUScalar> {
    let logSumExp: UnsafeMutablePointer<S>
    let scale: S
    let threshold: S
}

/// The blocking of the full softmax: tiles of `rowTile` rows of H by `itemTile` items of
/// E (items 1...C; row 0 of E is padding), each tile's logits produced by one small GEMM
/// into a per-chunk scratch tile. Forward and both backward halves walk the same grid, so
/// they recompute bit-identical tiles and make the same filtering choices.
private struct FullTileGrid<S: CPUScalar> {
    static var rowTile: Int { 64 }
    static var itemTile: Int { 256 }

    let operands: FusedOperands<S>

    var itemCount: Int { operands.tableRows - 1 }
    var rowBlocks: Int { (operands.rows + Self.rowTile - 1) / Self.rowTile }
    var itemBlocks: Int { (itemCount + Self.itemTile - 1) / Self.itemTile }

    /// The rows of row block `block`.
    func rows(ofBlock block: Int) -> Range<Int> {
        (block * Self.rowTile)..<min((block + 1) * Self.rowTile, operands.rows)
    }

    /// The items of item block `block` (1-based ids).
    func items(ofBlock block: Int) -> Range<Int> {
        (1 + block * Self.itemTile)..<(1 + min((block + 1) * Self.itemTile, itemCount))
    }

    /// tile[i, j] = H[rows[i]] · E[items[j]], row-major with `items.count` columns.
    @inline(__always)
    func logits(_ tile: UnsafeMutablePointer<S>, rows: Range<Int>, items: Range<Int>) {
        let d = operands.dimension
        S.gemm(transposeA: false, transposeB: true, m: rows.count, n: items.count, k: d,
               alpha: 1, a: operands.hiddenRow(rows.lowerBound), lda: d,
               b: operands.table + items.lowerBound * d, ldb: d,
               beta: 0, c: tile, ldc: items.count)
    }

    /// Runs `body` on each of `count` blocks with a scratch logit tile per chunk.
    func eachBlock(count: Int, _ body: (_ tile: UnsafeMutablePointer<S>, _ block: Int) -> Void) {
        parallelChunks(count: count, minimumChunk: 1, maximumChunks: fusedChunks) { _, blocks in
            withUnsafeTemporaryAllocation(of: S.self, capacity: Self.rowTile * Self.itemTile) { tile in
                for block in blocks { body(tile.baseAddress!, block) }
            }
        }
    }

    /// Parallel layout: each chunk owns whole row blocks (their log-sum-exp and loss) and
    /// sweeps all item blocks, keeping a running maximum and sum per row.
    func forward(_ logSumExp: UnsafeMutablePointer<S>, _ losses: UnsafeMutablePointer<S>,
                 _ positive: UnsafeMutablePointer<S>) {
        eachBlock(count: rowBlocks) { tile, block in
            let rows = self.rows(ofBlock: block)
            withUnsafeTemporaryAllocation(of: S.self, capacity: 2 * Self.rowTile) { running in
                let maxima = running.baseAddress!, sums = maxima + Self.rowTile
                maxima.update(repeating: -S.infinity, count: rows.count)
                sums.update(repeating: 0, count: rows.count)
                for itemBlock in 0..<itemBlocks {
                    let items = self.items(ofBlock: itemBlock), width = items.count
                    logits(tile, rows: rows, items: items)
                    for i in 0..<rows.count {
                        let z = tile + i * width
                        var tileMaximum = -S.infinity
                        for j in 0..<width { tileMaximum = max(tileMaximum, z[j]) }
                        if tileMaximum > maxima[i] {
                            sums[i] *= S.exponential(maxima[i] - tileMaximum)
                            maxima[i] = tileMaximum
                        }
                        var sum: S = 0
                        for j in 0..<width { sum += S.exponential(z[j] - maxima[i]) }
                        sums[i] += sum
                    }
                }
                for (i, r) in rows.enumerated() {
                    let isPadding = operands.targets[r] == 0
                    logSumExp[r] = isPadding ? 0 : maxima[i] + S.logarithm(sums[i])
                    losses[r] = isPadding ? 0 : logSumExp[r] - positive[r]
                }
            }
        }
    }

    /// Turns the logit tile of (rows, items) into unscaled weights p - onehot (0 on padding
    /// rows) and says whether any weight reaches the threshold: a tile that does not is skipped.
    @inline(__always)
    func weights(_ tile: UnsafeMutablePointer<S>, rows: Range<Int>, items: Range<Int>,
                 _ weights: FullTileWeights<S>) -> Bool {
        let width = items.count
        var largest: S = 0
        for (i, r) in rows.enumerated() {
            let w = tile + i * width, target = Int(operands.targets[r])
            guard target != 0 else {
                w.update(repeating: 0, count: width)
                continue
            }
            let lse = weights.logSumExp[r]
            for j in 0..<width { w[j] = S.exponential(w[j] - lse) }
            if items.contains(target) { w[target - items.lowerBound] -= 1 }
            for j in 0..<width { largest = max(largest, abs(w[j])) }
        }
        return largest > 0 && largest >= weights.threshold
    }

    /// Parallel layout: each chunk owns whole row blocks of dH and sweeps all item blocks:
    /// dH[rows] = scale * W E[items], summed over the item blocks in order.
    func hiddenGradients(_ hiddenGradient: UnsafeMutablePointer<S>, _ weights: FullTileWeights<S>) {
        let d = operands.dimension
        eachBlock(count: rowBlocks) { tile, block in
            let rows = self.rows(ofBlock: block)
            let dh = hiddenGradient + rows.lowerBound * d
            dh.update(repeating: 0, count: rows.count * d)
            for itemBlock in 0..<itemBlocks {
                let items = self.items(ofBlock: itemBlock)
                logits(tile, rows: rows, items: items)
                guard self.weights(tile, rows: rows, items: items, weights) else { continue }
                S.gemm(transposeA: false, transposeB: false, m: rows.count, n: d, k: items.count,
                       alpha: weights.scale, a: tile, lda: items.count,
                       b: operands.table + items.lowerBound * d, ldb: d,
                       beta: 1, c: dh, ldc: d)
            }
        }
    }

    /// Parallel layout: each chunk owns whole item blocks of dE and sweeps all row blocks:
    /// dE[items] += scale * Wᵀ H[rows], summed over the row blocks in order.
    func tableGradients(_ tableGradient: UnsafeMutablePointer<S>, _ weights: FullTileWeights<S>) {
        let d = operands.dimension
        eachBlock(count: itemBlocks) { tile, itemBlock in
            let items = self.items(ofBlock: itemBlock)
            for block in 0..<rowBlocks {
                let rows = self.rows(ofBlock: block)
                logits(tile, rows: rows, items: items)
                guard self.weights(tile, rows: rows, items: items, weights) else { continue }
                S.gemm(transposeA: true, transposeB: false, m: items.count, n: d, k: rows.count,
                       alpha: weights.scale, a: tile, lda: items.count,
                       b: operands.hiddenRow(rows.lowerBound), ldb: d,
                       beta: 1, c: tableGradient + items.lowerBound * d, ldc: d)
            }
        }
    }
}
