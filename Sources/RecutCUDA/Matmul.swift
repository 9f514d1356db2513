import RecutCore

extension CUDABackend {
    public func batchedMatmul(_ output: Tensor, _ a: Tensor, _ b: Tensor,
                              rows: Int, columns: Int, inner: Int,
                              transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double,
                              batchCount: Int, outputStride: Int, aStride: Int, bStride: Int) {
        requireFloat32("matmul", output, a, b)
        OperandContracts.checkBatchedMatmul(output: output, a: a, b: b, rows: rows, columns: columns, inner: inner,
                                            batchCount: batchCount, outputStride: outputStride,
                                            aStride: aStride, bStride: bStride)
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
