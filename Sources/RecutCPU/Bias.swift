import RecutCore

extension CPUBackend {
    public func addBias(_ output: Tensor, bias: Tensor, rows: Int, columns: Int) {
        if widenedBFloat16([output, bias], written: [0], { t in addBias(t[0], bias: t[1], rows: rows, columns: columns) }) != nil { return }
        precondition(output.count >= rows * columns && bias.count >= columns, "addBias: tensors too small")
        dispatch(output.dtype) {
            addBiasKernel(output.pointer(as: Float.self), bias.pointer(as: Float.self), rows, columns)
        } double: {
            addBiasKernel(output.pointer(as: Double.self), bias.pointer(as: Double.self), rows, columns)
        }
    }

    public func biasBackward(_ biasGradient: Tensor, outputGradient: Tensor, rows: Int, columns: Int) {
        if widenedBFloat16([biasGradient, outputGradient], written: [0], { t in
            biasBackward(t[0], outputGradient: t[1], rows: rows, columns: columns)
        }) != nil { return }
        precondition(outputGradient.count >= rows * columns && biasGradient.count >= columns,
                     "biasBackward: tensors too small")
        dispatch(biasGradient.dtype) {
            biasBackwardKernel(biasGradient.pointer(as: Float.self), outputGradient.pointer(as: Float.self),
                               rows, columns)
        } double: {
            biasBackwardKernel(biasGradient.pointer(as: Double.self), outputGradient.pointer(as: Double.self),
                               rows, columns)
        }
    }
}

/// Parallel layout: each chunk owns a range of rows.
private func addBiasKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ bias: UnsafeMutablePointer<S>,
                                         _ rows: Int, _ columns: Int) {
    parallelChunks(count: rows, minimumChunk: max(1, elementwiseChunk / max(columns, 1))) { _, range in
        for r in range {
            let row = output + r * columns
            for c in 0..<columns { row[c] += bias[c] }
        }
    }
}

/// Parallel layout: each chunk sums a range of rows into its own partial row; the
/// partials are added in chunk order.
private func biasBackwardKernel<S: CPUScalar>(_ biasGradient: UnsafeMutablePointer<S>,
                                              _ outputGradient: UnsafeMutablePointer<S>,
                                              _ rows: Int, _ columns: Int) {
    let minimumChunk = max(1, elementwiseChunk / max(columns, 1))
    let chunks = chunkCount(count: rows, minimumChunk: minimumChunk)
    var partials = [S](repeating: 0, count: chunks * columns)
    partials.withUnsafeMutableBufferPointer { partials in
        let partials = partials.baseAddress!
        parallelChunks(count: rows, minimumChunk: minimumChunk) { chunk, range in
            let partial = partials + chunk * columns
            for r in range {
                let row = outputGradient + r * columns
                for c in 0..<columns { partial[c] += row[c] }
            }
        }
        for chunk in 0..<chunks {
            let partial = partials + chunk * columns
            for c in 0..<columns { biasGradient[c] += partial[c] }
        }
    }
}
