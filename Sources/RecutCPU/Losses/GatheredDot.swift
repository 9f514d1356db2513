import RecutCore

extension CPUBackend {
    public func gatheredDotForward(_ logits: Tensor, hidden: Tensor, table: Tensor, ids: Tensor,
                                   rows: Int, idsPerRow: Int, dimension: Int) {
        if widenedBFloat16([logits, hidden, table, ids], written: [0], { t in
            gatheredDotForward(t[0], hidden: t[1], table: t[2], ids: t[3], rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        }) != nil { return }
        OperandContracts.checkGatheredDot(logits: logits, hidden: hidden, table: table, ids: ids,
                                          rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        let shape = GatheredDotShape(rows: rows, idsPerRow: idsPerRow, dimension: dimension,
                                     tableRows: table.count / max(dimension, 1))
        let idPointer = ids.pointer(as: Int32.self)
        dispatch(logits.dtype) {
            gatheredDotForwardKernel(logits.pointer(as: Float.self), hidden.pointer(as: Float.self),
                                     table.pointer(as: Float.self), idPointer, shape)
        } double: {
            gatheredDotForwardKernel(logits.pointer(as: Double.self), hidden.pointer(as: Double.self),
                                     table.pointer(as: Double.self), idPointer, shape)
        }
    }

    public func gatheredDotBackward(hiddenGradient: Tensor, tableGradient: Tensor, logitGradient: Tensor,
                                    hidden: Tensor, table: Tensor, ids: Tensor,
                                    rows: Int, idsPerRow: Int, dimension: Int) {
        if widenedBFloat16([hiddenGradient, tableGradient, logitGradient, hidden, table, ids], written: [0, 1], { t in
            gatheredDotBackward(hiddenGradient: t[0], tableGradient: t[1], logitGradient: t[2], hidden: t[3], table: t[4],
                                ids: t[5], rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        }) != nil { return }
        OperandContracts.checkGatheredDot(logits: logitGradient, hidden: hidden, table: table, ids: ids,
                                          rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        precondition(hiddenGradient.count >= rows * dimension && tableGradient.count == table.count,
                     "gatheredDotBackward: gradients do not match hidden [\(rows), \(dimension)] and table")
        let shape = GatheredDotShape(rows: rows, idsPerRow: idsPerRow, dimension: dimension,
                                     tableRows: table.count / max(dimension, 1))
        let idPointer = ids.pointer(as: Int32.self)
        dispatch(logitGradient.dtype) {
            gatheredDotBackwardKernel(hiddenGradient.pointer(as: Float.self), tableGradient.pointer(as: Float.self),
                                      logitGradient.pointer(as: Float.self), hidden.pointer(as: Float.self),
                                      table.pointer(as: Float.self), idPointer, shape)
        } double: {
            gatheredDotBackwardKernel(hiddenGradient.pointer(as: Double.self), tableGradient.pointer(as: Double.self),
                                      logitGradient.pointer(as: Double.self), hidden.pointer(as: Double.self),
                                      table.pointer(as: Double.self), idPointer, shape)
        }
    }
}

/// The sizes of one gathered dot product.
private struct GatheredDotShape {
    var rows: Int
    var idsPerRow: Int
    var dimension: Int
    var tableRows: Int

    /// The table row of id slot `slot`, checked.
    @inline(__always)
    func tableRow(_ ids: UnsafeMutablePointer<Int32>, _ slot: Int) -> Int {
        let id = Int(ids[slot])
        precondition(id >= 0 && id < tableRows, "item id \(id) outside the table of \(tableRows) rows")
        return id
    }
}

/// Parallel layout: each chunk owns a range of rows of logits.
private func gatheredDotForwardKernel<S: CPUScalar>(
    _ logits: UnsafeMutablePointer<S>, _ hidden: UnsafeMutablePointer<S>, _ table: UnsafeMutablePointer<S>,
    _ ids: UnsafeMutablePointer<Int32>, _ shape: GatheredDotShape
) {
    let k = shape.idsPerRow, d = shape.dimension
    parallelChunks(count: shape.rows, minimumChunk: max(1, elementwiseChunk / max(k * d, 1))) { _, range in
        for n in range {
            let h = hidden + n * d
            for j in 0..<k {
                let e = table + shape.tableRow(ids, n * k + j) * d
                var dot: S = 0
                for c in 0..<d { dot += h[c] * e[c] }
                logits[n * k + j] = dot
            }
        }
    }
}

/// Parallel layout: for dH each chunk owns a range of rows; for dE each chunk owns a range
/// of columns of every table row, so ids repeated across rows are summed without races
/// and in a fixed order.
private func gatheredDotBackwardKernel<S: CPUScalar>(
    _ hiddenGradient: UnsafeMutablePointer<S>, _ tableGradient: UnsafeMutablePointer<S>,
    _ logitGradient: UnsafeMutablePointer<S>, _ hidden: UnsafeMutablePointer<S>, _ table: UnsafeMutablePointer<S>,
    _ ids: UnsafeMutablePointer<Int32>, _ shape: GatheredDotShape
) {
    let k = shape.idsPerRow, d = shape.dimension, work = shape.rows * k * d
    parallelChunks(count: shape.rows, minimumChunk: max(1, elementwiseChunk / max(k * d, 1))) { _, range in
        for n in range {
            let dh = hiddenGradient + n * d
            for j in 0..<k {
                let g = logitGradient[n * k + j]
                if g == 0 { continue }
                let e = table + shape.tableRow(ids, n * k + j) * d
                for c in 0..<d { dh[c] += g * e[c] }
            }
        }
    }
    let columnChunk = work >= elementwiseChunk ? 8 : d
    parallelChunks(count: d, minimumChunk: columnChunk) { _, columns in
        for n in 0..<shape.rows {
            let h = hidden + n * d
            for j in 0..<k {
                let g = logitGradient[n * k + j]
                if g == 0 { continue }
                let de = tableGradient + shape.tableRow(ids, n * k + j) * d
                for c in columns { de[c] += g * h[c] }
            }
        }
    }
}
