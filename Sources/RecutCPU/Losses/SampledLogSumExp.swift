import RecutCore

extension CPUBackend {
    /// Drawn ids are materialised first: the CPU is the reference, not the fast path.
    public func sampledLogSumExpForward(_ logSumExp: Tensor, losses: Tensor, positiveLogits: Tensor,
                                        hidden: Tensor, table: Tensor, targets: Tensor,
                                        negativeIDs: NegativeIDs, logQ: LogQCorrection?,
                                        rows: Int, negatives: Int, rowsPerNegativeRow: Int, dimension: Int) {
        sampledLogSumExpForward(logSumExp, losses: losses, positiveLogits: positiveLogits, hidden: hidden, table: table,
                                targets: targets,
                                negativeIDs: storedNegatives(negativeIDs, targets: targets, rows: rows, count: negatives),
                                logQ: logQ, rows: rows, negatives: negatives, rowsPerNegativeRow: rowsPerNegativeRow,
                                dimension: dimension)
    }

    private func sampledLogSumExpForward(_ logSumExp: Tensor, losses: Tensor, positiveLogits: Tensor,
                                         hidden: Tensor, table: Tensor, targets: Tensor,
                                         negativeIDs: Tensor, logQ: LogQCorrection?,
                                         rows: Int, negatives: Int, rowsPerNegativeRow: Int, dimension: Int) {
        if widenedBFloat16([logSumExp, losses, positiveLogits, hidden, table, targets, negativeIDs] + logQ.operands,
                            written: [0, 1], { t in
            sampledLogSumExpForward(t[0], losses: t[1], positiveLogits: t[2], hidden: t[3], table: t[4], targets: t[5],
                                    negativeIDs: t[6], logQ: logQ?.reading(t[7]), rows: rows, negatives: negatives,
                                    rowsPerNegativeRow: rowsPerNegativeRow, dimension: dimension)
        }) != nil { return }
        checkFusedOutputs([logSumExp, losses, positiveLogits], gradients: nil,
                          hidden: hidden, table: table, rows: rows, dimension: dimension)
        let slots = NegativeSlots(ids: negativeIDs, rows: rows, negatives: negatives,
                                  rowsPerNegativeRow: rowsPerNegativeRow)
        let dtype = hidden.dtype
        dispatch(dtype) {
            sampledForwardKernel(logSumExp.pointer(as: Float.self), losses.pointer(as: Float.self),
                                 positiveLogits.pointer(as: Float.self),
                                 FusedOperands(hidden: hidden, table: table, targets: targets,
                                               rows: rows, dimension: dimension),
                                 slots, LogQShift(logQ, negatives: negatives, dtype: dtype))
        } double: {
            sampledForwardKernel(logSumExp.pointer(as: Double.self), losses.pointer(as: Double.self),
                                 positiveLogits.pointer(as: Double.self),
                                 FusedOperands(hidden: hidden, table: table, targets: targets,
                                               rows: rows, dimension: dimension),
                                 slots, LogQShift(logQ, negatives: negatives, dtype: dtype))
        }
    }

    public func sampledLogSumExpBackward(hiddenGradient: Tensor, tableGradient: Tensor,
                                         logSumExp: Tensor, positiveLogits: Tensor,
                                         hidden: Tensor, table: Tensor, targets: Tensor,
                                         negativeIDs: NegativeIDs, logQ: LogQCorrection?,
                                         rows: Int, negatives: Int, rowsPerNegativeRow: Int, dimension: Int,
                                         gradientScale: Double, filterThreshold: Double) {
        sampledLogSumExpBackward(hiddenGradient: hiddenGradient, tableGradient: tableGradient, logSumExp: logSumExp,
                                 positiveLogits: positiveLogits, hidden: hidden, table: table, targets: targets,
                                 negativeIDs: storedNegatives(negativeIDs, targets: targets, rows: rows, count: negatives),
                                 logQ: logQ, rows: rows, negatives: negatives, rowsPerNegativeRow: rowsPerNegativeRow,
                                 dimension: dimension, gradientScale: gradientScale, filterThreshold: filterThreshold)
    }

    private func sampledLogSumExpBackward(hiddenGradient: Tensor, tableGradient: Tensor,
                                          logSumExp: Tensor, positiveLogits: Tensor,
                                          hidden: Tensor, table: Tensor, targets: Tensor,
                                          negativeIDs: Tensor, logQ: LogQCorrection?,
                                          rows: Int, negatives: Int, rowsPerNegativeRow: Int, dimension: Int,
                                          gradientScale: Double, filterThreshold: Double) {
        if widenedBFloat16([hiddenGradient, tableGradient, logSumExp, positiveLogits, hidden, table, targets, negativeIDs]
                            + logQ.operands, written: [0, 1], { t in
            sampledLogSumExpBackward(hiddenGradient: t[0], tableGradient: t[1], logSumExp: t[2], positiveLogits: t[3],
                                     hidden: t[4], table: t[5], targets: t[6], negativeIDs: t[7], logQ: logQ?.reading(t[8]),
                                     rows: rows, negatives: negatives, rowsPerNegativeRow: rowsPerNegativeRow,
                                     dimension: dimension, gradientScale: gradientScale, filterThreshold: filterThreshold)
        }) != nil { return }
        checkFusedOutputs([logSumExp, positiveLogits], gradients: (hiddenGradient, tableGradient),
                          hidden: hidden, table: table, rows: rows, dimension: dimension)
        let slots = NegativeSlots(ids: negativeIDs, rows: rows, negatives: negatives,
                                  rowsPerNegativeRow: rowsPerNegativeRow)
        let dtype = hidden.dtype
        dispatch(dtype) {
            let pass = SampledBackwardPass(
                hiddenGradient: hiddenGradient.pointer(as: Float.self), tableGradient: tableGradient.pointer(as: Float.self),
                logSumExp: logSumExp.pointer(as: Float.self), positiveLogits: positiveLogits.pointer(as: Float.self),
                operands: FusedOperands(hidden: hidden, table: table, targets: targets, rows: rows, dimension: dimension),
                slots: slots, logQ: LogQShift(logQ, negatives: negatives, dtype: dtype),
                scale: Float(gradientScale), threshold: Float(filterThreshold))
            pass.hiddenGradients()
            pass.tableGradients()
        } double: {
            let pass = SampledBackwardPass(
                hiddenGradient: hiddenGradient.pointer(as: Double.self), tableGradient: tableGradient.pointer(as: Double.self),
                logSumExp: logSumExp.pointer(as: Double.self), positiveLogits: positiveLogits.pointer(as: Double.self),
                operands: FusedOperands(hidden: hidden, table: table, targets: targets, rows: rows, dimension: dimension),
                slots: slots, logQ: LogQShift(logQ, negatives: negatives, dtype: dtype),
                scale: gradientScale, threshold: filterThreshold)
            pass.hiddenGradients()
            pass.tableGradients()
        }
    }
}

/// The negatives scored together in the forward pass: the online log-sum-exp folds in one
/// tile's maximum and sum at a time, so a row never holds more than this many logits.
private let negativeTile = 64

/// Parallel layout: each chunk owns a range of rows (their log-sum-exp and loss) and one
/// stack tile of negative logits.
private func sampledForwardKernel<S: CPUScalar>(
    _ logSumExp: UnsafeMutablePointer<S>, _ losses: UnsafeMutablePointer<S>, _ positive: UnsafeMutablePointer<S>,
    _ operands: FusedOperands<S>, _ slots: NegativeSlots, _ logQ: LogQShift<S>
) {
    let k = slots.negatives, work = max(k * operands.dimension, 1)
    parallelChunks(count: operands.rows, minimumChunk: max(1, elementwiseChunk / work)) { _, range in
        withUnsafeTemporaryAllocation(of: S.self, capacity: negativeTile) { tile in
            for r in range {
                let target = operands.targets[r]
                guard target != 0 else {
                    logSumExp[r] = 0
                    losses[r] = 0
                    continue
                }
                let h = operands.hiddenRow(r), first = slots.firstSlot(ofRow: r)
                var maximum = positive[r], sum: S = 1
                for start in stride(from: 0, to: k, by: negativeTile) {
                    let count = min(negativeTile, k - start)
                    var tileMaximum = -S.infinity
                    for j in 0..<count {
                        let slot = first + start + j
                        guard slots.counts(slot, target: target) else {
                            tile[j] = -S.infinity
                            continue
                        }
                        let id = slots.ids[slot]
                        tile[j] = operands.dot(h, operands.tableRow(id)) - logQ.shift(slot: slot, id: id)
                        tileMaximum = max(tileMaximum, tile[j])
                    }
                    if tileMaximum > maximum {
                        sum *= S.exponential(maximum - tileMaximum)
                        maximum = tileMaximum
                    }
                    for j in 0..<count { sum += S.exponential(tile[j] - maximum) }
                }
                logSumExp[r] = maximum + S.logarithm(sum)
                losses[r] = logSumExp[r] - positive[r]
            }
        }
    }
}

/// The backward pass of the sampled log-sum-exp: the same weights recomputed twice, once
/// owned by rows (dH) and once owned by items (dE), so neither needs atomics or stored logits.
private struct SampledBackwardPass<S: CPUScalar> {
    let hiddenGradient: UnsafeMutablePointer<S>
    let tableGradient: UnsafeMutablePointer<S>
    let logSumExp: UnsafeMutablePointer<S>
    let positiveLogits: UnsafeMutablePointer<S>
    let operands: FusedOperands<S>
    let slots: NegativeSlots
    let logQ: LogQShift<S>
    let scale: S
    let threshold: S

    /// The softmax weight of the negative in `slot` (item `id`) for row r; dH and dE call it
    /// with the same operands, so both see the same value and make the same filtering choice.
    @inline(__always)
    func negativeWeight(row r: Int, slot: Int, id: Int32) -> S {
        let z = operands.dot(operands.hiddenRow(r), operands.tableRow(id)) - logQ.shift(slot: slot, id: id)
        return S.exponential(z - logSumExp[r])
    }

    /// p - 1 for the positive of row r.
    @inline(__always)
    func positiveWeight(row r: Int) -> S {
        S.exponential(positiveLogits[r] - logSumExp[r]) - 1
    }

    /// Parallel layout: each chunk owns a range of rows of dH.
    func hiddenGradients() {
        let d = operands.dimension, k = slots.negatives
        parallelChunks(count: operands.rows, minimumChunk: max(1, elementwiseChunk / max(k * d, 1))) { _, range in
            for r in range {
                let dh = hiddenGradient + r * d
                dh.update(repeating: 0, count: d)
                let target = operands.targets[r]
                guard target != 0 else { continue }
                let positive = positiveWeight(row: r)
                if abs(positive) >= threshold {
                    operands.addScaled(dh, scale * positive, operands.tableRow(target))
                }
                let first = slots.firstSlot(ofRow: r)
                for slot in first..<(first + k) where slots.counts(slot, target: target) {
                    let id = slots.ids[slot]
                    let weight = negativeWeight(row: r, slot: slot, id: id)
                    if weight >= threshold { operands.addScaled(dh, scale * weight, operands.tableRow(id)) }
                }
            }
        }
    }

    /// Parallel layout: each chunk owns a contiguous range of item ids (rows of dE) and scans
    /// every target and negative id for its own; each item sums its terms in the order of
    /// (row of ids, slot, row), whatever the number of chunks.
    func tableGradients() {
        let d = operands.dimension, k = slots.negatives, rows = operands.rows
        let perRow = slots.rowsPerNegativeRow
        let idRows = rows == 0 ? 0 : (rows - 1) / perRow + 1
        parallelChunks(count: operands.tableRows, minimumChunk: 1, maximumChunks: fusedChunks) { _, owned in
            for r in 0..<rows {
                let target = Int(operands.targets[r])
                guard target != 0, owned.contains(target) else { continue }
                let positive = positiveWeight(row: r)
                if abs(positive) >= threshold {
                    operands.addScaled(tableGradient + target * d, scale * positive, operands.hiddenRow(r))
                }
            }
            for idRow in 0..<idRows {
                for slot in (idRow * k)..<((idRow + 1) * k) {
                    let id = slots.ids[slot]
                    guard id != 0, owned.contains(Int(id)) else { continue }
                    let de = tableGradient + Int(id) * d
                    for r in (idRow * perRow)..<min((idRow + 1) * perRow, rows) {
                        let target = operands.targets[r]
                        guard target != 0, target != id else { continue }
                        let weight = negativeWeight(row: r, slot: slot, id: id)
                        if weight >= threshold { operands.addScaled(de, scale * weight, operands.hiddenRow(r)) }
                    }
                }
            }
        }
    }
}

extension CPUBackend {
    /// The ids of `negativeIDs` in a tensor: stored ones as they are, drawn ones as the
    /// counter draws them for `rows` positions (`count` each), with `sampleNegatives`.
    func storedNegatives(_ negativeIDs: NegativeIDs, targets: Tensor, rows: Int, count: Int) -> Tensor {
        switch negativeIDs {
        case .stored(let ids):
            return ids
        case .drawn(let sampler, let step):
            let ids = makeTensor(shape: [rows, count], dtype: .int32)
            sampleNegatives(ids, targets: targets, sampler: sampler, step: step, positions: rows, positionsPerGroup: 1,
                            count: count, collisions: .keep)
            return ids
        }
    }
}
