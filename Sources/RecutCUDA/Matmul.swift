import RecutCore

extension CUDABackend {
    public func batchedMatmul(_ output: Tensor, _ a: Tensor, _ b: Tensor,
                              rows: Int, columns: Int, inner: Int,
                              transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double,
                              batchCount: Int, outputStride: Int, aStride: Int, bStride: Int) {
        let (operandType, outputType): (CublasLtMatmul.ElementType, CublasLtMatmul.ElementType) =
            switch (output.dtype, a.dtype, b.dtype) {
            case (.float32, .float32, .float32): (.float32, .float32)
            case (.bfloat16, .bfloat16, .bfloat16): (.bfloat16, .bfloat16)
            case (.float32, .bfloat16, .bfloat16): (.bfloat16, .float32)
            default: preconditionFailure("CUDA backend: matmul does not take \(output.dtype) = \(a.dtype) x \(b.dtype)")
            }
        OperandContracts.checkBatchedMatmul(output: output, a: a, b: b, rows: rows, columns: columns, inner: inner,
                                            batchCount: batchCount, outputStride: outputStride,
                                            aStride: aStride, bStride: bStride)
        precondition(inner > 0, "matmul with an empty inner dimension")
        guard rows > 0, columns > 0, batchCount > 0 else { return }
        must { () throws(CUDAError) in
            try matmulEngine.run(output: output.address, a: a.address, b: b.address,
                                 operandType: operandType, outputType: outputType,
                                 rows: rows, columns: columns, inner: inner,
                                 transposeA: transposeA, transposeB: transposeB,
                                 alpha: Float(alpha), beta: Float(beta), batchCount: batchCount,
                                 strides: (outputStride, aStride, bStride), driver: driver)
        }
    }
}
