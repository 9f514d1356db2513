import RecutCore

extension CPUBackend {
    public func batchedMatmul(_ output: Tensor, _ a: Tensor, _ b: Tensor,
                              rows: Int, columns: Int, inner: Int,
                              transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double,
                              batchCount: Int, outputStride: Int, aStride: Int, bStride: Int) {
        if widenedBFloat16([output, a, b], written: [0], { t in
            batchedMatmul(t[0], t[1], t[2], rows: rows, columns: columns, inner: inner,
                          transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
                          batchCount: batchCount, outputStride: outputStride, aStride: aStride, bStride: bStride)
        }) != nil { return }
        OperandContracts.checkBatchedMatmul(output: output, a: a, b: b, rows: rows, columns: columns, inner: inner,
                                            batchCount: batchCount, outputStride: outputStride,
                                            aStride: aStride, bStride: bStride)
        let shape = MatmulShape(rows: rows, columns: columns, inner: inner,
                                transposeA: transposeA, transposeB: transposeB)
        dispatch(output.dtype) {
            batchedMatmulKernel(output.pointer(as: Float.self), a.pointer(as: Float.self), b.pointer(as: Float.self),
                                shape, alpha: Float(alpha), beta: Float(beta), batchCount: batchCount,
                                strides: (outputStride, aStride, bStride))
        } double: {
            batchedMatmulKernel(output.pointer(as: Double.self), a.pointer(as: Double.self), b.pointer(as: Double.self),
                                shape, alpha: alpha, beta: beta, batchCount: batchCount,
                                strides: (outputStride, aStride, bStride))
        }
    }
}

/// The sizes and transposes of one matrix product of contiguous row-major operands.
struct MatmulShape {
    var rows: Int
    var columns: Int
    var inner: Int
    var transposeA: Bool
    var transposeB: Bool
}

/// Parallel layout: each chunk owns a block of output rows of one batch item (a single
/// BLAS call on a sub-matrix), so chunks never write the same element.
private func batchedMatmulKernel<S: CPUScalar>(
    _ output: UnsafeMutablePointer<S>, _ a: UnsafeMutablePointer<S>, _ b: UnsafeMutablePointer<S>,
    _ shape: MatmulShape, alpha: S, beta: S, batchCount: Int,
    strides: (output: Int, a: Int, b: Int)
) {
    let m = shape.rows, n = shape.columns, k = shape.inner
    guard m > 0, n > 0, batchCount > 0 else { return }
    let lda = max(shape.transposeA ? m : k, 1)
    let ldb = max(shape.transposeB ? k : n, 1)
    let work = m * n * max(k, 1)
    let rowBlocksPerItem = batchCount >= 4 ? 1 : chunkCount(count: work, minimumChunk: 1 << 17)
    let blocks = batchCount * min(rowBlocksPerItem, m)
    let blocksPerItem = blocks / batchCount
    let minimumChunk = max(1, (1 << 17) / work)
    parallelChunks(count: blocks, minimumChunk: minimumChunk) { _, range in
        for block in range {
            let item = block / blocksPerItem
            let rowRange = chunkRange(block % blocksPerItem, of: blocksPerItem, count: m)
            if rowRange.isEmpty { continue }
            let firstRow = rowRange.lowerBound
            let aBlock = a + item * strides.a + (shape.transposeA ? firstRow : firstRow * lda)
            S.gemm(transposeA: shape.transposeA, transposeB: shape.transposeB,
                   m: rowRange.count, n: n, k: k, alpha: alpha,
                   a: aBlock, lda: lda, b: b + item * strides.b, ldb: ldb,
                   beta: beta, c: output + item * strides.output + firstRow * n, ldc: n)
        }
    }
}
