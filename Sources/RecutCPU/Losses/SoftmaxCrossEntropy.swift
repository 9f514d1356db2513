import CVectorKernels
import RecutCore

extension CPUBackend {
    public func softmaxCrossEntropy(_ losses: Tensor, logits: Tensor, targets: Tensor,
                                    rows: Int, columns: Int, firstColumn: Int, gradientScale: Double) {
        if widenedBFloat16([losses, logits, targets], written: [0, 1], { t in
            softmaxCrossEntropy(t[0], logits: t[1], targets: t[2], rows: rows, columns: columns,
                                firstColumn: firstColumn, gradientScale: gradientScale)
        }) != nil { return }
        precondition(losses.count >= rows && logits.count >= rows * columns,
                     "softmaxCrossEntropy: tensors smaller than \(rows) rows of \(columns)")
        precondition(targets.dtype == .int32 && targets.count >= rows, "softmaxCrossEntropy: need \(rows) int32 targets")
        precondition(firstColumn >= 0 && firstColumn < columns, "softmaxCrossEntropy: first column \(firstColumn) of \(columns)")
        let targetPointer = targets.pointer(as: Int32.self)
        let shape = (rows: rows, columns: columns, firstColumn: firstColumn)
        dispatch(logits.dtype) {
            // Float32 runs the vector kernel in C (CVectorKernels); float64 is its reference.
            let (lossPointer, logitPointer) = (losses.pointer(as: Float.self), logits.pointer(as: Float.self))
            for r in 0..<rows where targetPointer[r] >= columns {
                preconditionFailure("target \(targetPointer[r]) outside \(columns) columns in row \(r)")
            }
            parallelChunks(count: rows, minimumChunk: rowChunk(columns: columns)) { _, range in
                recut_softmax_cross_entropy(lossPointer, logitPointer, targetPointer, range.lowerBound, range.upperBound,
                                            columns, firstColumn, Float(gradientScale))
            }
        } double: {
            softmaxCrossEntropyKernel(losses.pointer(as: Double.self), logits.pointer(as: Double.self), targetPointer,
                                      shape, gradientScale)
        }
    }
}

/// Rows per chunk of the parallel layout, for rows of `columns` logits.
private func rowChunk(columns: Int) -> Int { max(1, elementwiseChunk / max(columns, 1) / 4) }

/// The float64 reference. Parallel layout: each chunk owns a range of rows (their loss and their logits).
private func softmaxCrossEntropyKernel<S: CPUScalar>(
    _ losses: UnsafeMutablePointer<S>, _ logits: UnsafeMutablePointer<S>, _ targets: UnsafeMutablePointer<Int32>,
    _ shape: (rows: Int, columns: Int, firstColumn: Int), _ scale: S
) {
    let columns = shape.columns, first = shape.firstColumn
    parallelChunks(count: shape.rows, minimumChunk: rowChunk(columns: columns)) { _, range in
        for r in range {
            let x = logits + r * columns
            let target = Int(targets[r])
            precondition(target < columns, "target \(target) outside \(columns) columns in row \(r)")
            guard target >= first else {
                losses[r] = 0
                x.update(repeating: 0, count: columns)
                continue
            }
            var maximum = -S.infinity
            for c in first..<columns { maximum = max(maximum, x[c]) }
            var sum: S = 0
            for c in first..<columns { sum += S.exponential(x[c] - maximum) }
            let logSumExp = maximum + S.logarithm(sum)
            losses[r] = logSumExp - x[target]
            x.update(repeating: 0, count: first)
            for c in first..<columns { x[c] = scale * S.exponential(x[c] - logSumExp) }
            x[target] -= scale
        }
    }
}
