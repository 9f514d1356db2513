import RecutCore

extension CUDABackend {
    public func matmul(_ output: Tensor, _ a: Tensor, _ b: Tensor,
                       rows: Int, columns: Int, inner: Int,
                       transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double) {
        batchedMatmul(output, a, b, rows: rows, columns: columns, inner: inner,
                      transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
                      batchCount: 1, outputStride: 0, aStride: 0, bStride: 0)
    }

    public func batchedMatmul(_ output: Tensor, _ a: Tensor, _ b: Tensor,
                              rows: Int, columns: Int, inner: Int,
                              transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double,
                              batchCount: Int, outputStride: Int, aStride: Int, bStride: Int) {
        requireFloat32("matmul", output, a, b)
        precondition(output.count >= (batchCount - 1) * outputStride + rows * columns, "matmul output too small")
        precondition(a.count >= (batchCount - 1) * aStride + rows * inner, "matmul operand a too small")
        precondition(b.count >= (batchCount - 1) * bStride + inner * columns, "matmul operand b too small")
        precondition(inner > 0, "matmul with an empty inner dimension")
        guard rows > 0, columns > 0, batchCount > 0 else { return }
        must { () throws(CUDAError) in
            try matmulEngine.run(output: output.address, a: a.address, b: b.address,
                                 rows: rows, columns: columns, inner: inner,
                                 transposeA: transposeA, transposeB: transposeB,
                                 alpha: Float(alpha), beta: Float(beta), batchCount: batchCount,
                                 strides: (outputStride, aStride, bStride), driver: driver)
        }
    }
}
