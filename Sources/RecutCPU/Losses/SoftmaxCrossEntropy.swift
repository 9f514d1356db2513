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
            softmaxCrossEntropyKernel(losses.pointer(as: Float.self), logits.pointer(as: Float.self), targetPointer,
                                      shape, Float(gradientScale))
        } double: {
            softmaxCrossEntropyKernel(losses.pointer(as: Double.self), logits.pointer(as: Double.self), targetPointer,
                                      shape, gradientScale)
        }
    }
}

/// Parallel layout: each chunk owns a range of rows (their loss and their logits).
private func softmaxCrossEntropyKernel<S: CPUScalar>(
    _ losses: UnsafeMutablePointer<S>, _ logits: UnsafeMutablePointer<S>, _ targets: UnsafeMutablePointer<Int32>,
    _ shape: (rows: Int, columns: Int, firstColumn: Int), _ scale: S
) {
    let columns = shape.columns, first = shape.firstColumn
    parallelChunks(count: shape.rows, minimumChunk: max(1, elementwiseChunk / max(columns, 1) / 4)) { _, range in
        for r in range {
            let x = logits + r * columns
            let target = Int(targets[r])
            precondition(target < columns, "target \(target) outside \(columns) columns in row \(r)")
            guard target >= first else {
                losses[r] = 0
                x.update(repeating: 0, count: columns)
                continue
            }
            // Eight columns at a time; the padding past the row is -infinity, whose exponential is 0.
            var maxima = SIMD8<S>(repeating: -.infinity)
            for c in stride(from: first, to: columns, by: 8) {
                maxima = pointwiseMax(maxima, x.vector(at: c, end: columns, padding: -.infinity))
            }
            let maximum = maxima.max(), targetLogit = x[target]
            // x holds e^(x - max) after this pass, so that the gradient needs no second exponential.
            var sums = SIMD8<S>()
            for c in stride(from: first, to: columns, by: 8) {
                let exponentials = S.exponentials(x.vector(at: c, end: columns, padding: -.infinity) - maximum)
                sums += exponentials
                x.store(exponentials, at: c, end: columns)
            }
            let sum = sums.sum()
            losses[r] = maximum + S.logarithm(sum) - targetLogit
            x.update(repeating: 0, count: first)
            let factor = scale / sum
            for c in stride(from: first, to: columns, by: 8) {
                x.store(x.vector(at: c, end: columns, padding: 0) * factor, at: c, end: columns)
            }
            x[target] -= scale
        }
    }
}
