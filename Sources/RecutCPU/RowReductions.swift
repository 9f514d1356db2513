import RecutCore

extension CPUBackend {
    public func softmaxRows(_ output: Tensor, input: Tensor, rows: Int, columns: Int) {
        if widenedBFloat16([output, input], written: [0], { t in softmaxRows(t[0], input: t[1], rows: rows, columns: columns) }) != nil { return }
        precondition(output.count >= rows * columns && input.count >= rows * columns, "softmaxRows: tensors too small")
        dispatch(output.dtype) {
            softmaxRowsKernel(output.pointer(as: Float.self), input.pointer(as: Float.self), rows, columns)
        } double: {
            softmaxRowsKernel(output.pointer(as: Double.self), input.pointer(as: Double.self), rows, columns)
        }
    }

    public func logSumExpRows(_ output: Tensor, input: Tensor, rows: Int, columns: Int) {
        if widenedBFloat16([output, input], written: [0], { t in
            logSumExpRows(t[0], input: t[1], rows: rows, columns: columns)
        }) != nil { return }
        precondition(output.count >= rows && input.count >= rows * columns, "logSumExpRows: tensors too small")
        dispatch(output.dtype) {
            logSumExpRowsKernel(output.pointer(as: Float.self), input.pointer(as: Float.self), rows, columns)
        } double: {
            logSumExpRowsKernel(output.pointer(as: Double.self), input.pointer(as: Double.self), rows, columns)
        }
    }
}

/// Parallel layout for both kernels: each chunk owns a range of rows.
private func softmaxRowsKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>,
                                             _ rows: Int, _ columns: Int) {
    parallelChunks(count: rows, minimumChunk: max(1, elementwiseChunk / max(columns, 1) / 4)) { _, range in
        for r in range {
            let x = input + r * columns, y = output + r * columns
            var maximum = -S.infinity
            for c in 0..<columns { maximum = max(maximum, x[c]) }
            var sum: S = 0
            for c in 0..<columns {
                y[c] = S.exponential(x[c] - maximum)
                sum += y[c]
            }
            let inverse = 1 / sum
            for c in 0..<columns { y[c] *= inverse }
        }
    }
}

private func logSumExpRowsKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>,
                                               _ rows: Int, _ columns: Int) {
    parallelChunks(count: rows, minimumChunk: max(1, elementwiseChunk / max(columns, 1) / 4)) { _, range in
        for r in range {
            let x = input + r * columns
            var maximum = -S.infinity
            for c in 0..<columns { maximum = max(maximum, x[c]) }
            var sum: S = 0
            for c in 0..<columns { sum += S.exponential(x[c] - maximum) }
            output[r] = maximum + S.logarithm(sum)
        }
    }
}
