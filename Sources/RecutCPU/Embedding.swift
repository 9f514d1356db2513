import RecutCore

extension CPUBackend {
    public func embeddingForward(_ output: Tensor, ids: Tensor, table: Tensor, count: Int, dimension: Int) {
        if widenedBFloat16([output, ids, table], written: [0], { t in
            embeddingForward(t[0], ids: t[1], table: t[2], count: count, dimension: dimension)
        }) != nil { return }
        precondition(ids.dtype == .int32 && ids.count >= count, "embeddingForward: need \(count) int32 ids")
        precondition(output.count >= count * dimension, "embeddingForward: output too small")
        let rows = table.count / dimension
        let idPointer = ids.pointer(as: Int32.self)
        dispatch(output.dtype) {
            embeddingForwardKernel(output.pointer(as: Float.self), idPointer, table.pointer(as: Float.self),
                                   count, dimension, rows)
        } double: {
            embeddingForwardKernel(output.pointer(as: Double.self), idPointer, table.pointer(as: Double.self),
                                   count, dimension, rows)
        }
    }

    public func embeddingBackward(_ tableGradient: Tensor, outputGradient: Tensor, ids: Tensor,
                                  count: Int, dimension: Int, skipping skippedID: Int32?) {
        if widenedBFloat16([tableGradient, outputGradient, ids], written: [0], { t in
            embeddingBackward(t[0], outputGradient: t[1], ids: t[2], count: count, dimension: dimension, skipping: skippedID)
        }) != nil { return }
        precondition(ids.dtype == .int32 && ids.count >= count, "embeddingBackward: need \(count) int32 ids")
        precondition(outputGradient.count >= count * dimension, "embeddingBackward: gradient too small")
        let rows = tableGradient.count / dimension
        let idPointer = ids.pointer(as: Int32.self)
        dispatch(tableGradient.dtype) {
            embeddingBackwardKernel(tableGradient.pointer(as: Float.self), outputGradient.pointer(as: Float.self),
                                    idPointer, count, dimension, rows, skippedID)
        } double: {
            embeddingBackwardKernel(tableGradient.pointer(as: Double.self), outputGradient.pointer(as: Double.self),
                                    idPointer, count, dimension, rows, skippedID)
        }
    }
}

/// Parallel layout: each chunk owns a range of output rows.
private func embeddingForwardKernel<S: CPUScalar>(
    _ output: UnsafeMutablePointer<S>, _ ids: UnsafeMutablePointer<Int32>, _ table: UnsafeMutablePointer<S>,
    _ count: Int, _ dimension: Int, _ tableRows: Int
) {
    parallelChunks(count: count, minimumChunk: max(1, elementwiseChunk / max(dimension, 1))) { _, range in
        for i in range {
            let id = Int(ids[i])
            precondition(id >= 0 && id < tableRows, "embedding id \(id) outside table of \(tableRows) rows")
            (output + i * dimension).update(from: table + id * dimension, count: dimension)
        }
    }
}

/// Parallel layout: each chunk owns a range of columns of every table row, so rows
/// repeated in `ids` are summed without races and in id order.
private func embeddingBackwardKernel<S: CPUScalar>(
    _ tableGradient: UnsafeMutablePointer<S>, _ outputGradient: UnsafeMutablePointer<S>,
    _ ids: UnsafeMutablePointer<Int32>, _ count: Int, _ dimension: Int, _ tableRows: Int, _ skippedID: Int32?
) {
    let columnChunk = count * dimension >= elementwiseChunk ? 8 : max(dimension, 1)
    parallelChunks(count: dimension, minimumChunk: columnChunk) { _, columns in
        for i in 0..<count {
            let id = ids[i]
            if id == skippedID { continue }
            precondition(id >= 0 && Int(id) < tableRows, "embedding id \(id) outside table of \(tableRows) rows")
            let target = tableGradient + Int(id) * dimension, source = outputGradient + i * dimension
            for c in columns { target[c] += source[c] }
        }
    }
}
