import RecutCore

extension CUDABackend {
    /// A target at or above `columns` gives a NaN loss (a GPU kernel cannot stop the program like the CPU op).
    /// Takes float32 logits and losses, or bfloat16 logits (their gradient rounded in place) with float32 losses.
    public func softmaxCrossEntropy(_ losses: Tensor, logits: Tensor, targets: Tensor,
                                    rows: Int, columns: Int, firstColumn: Int, gradientScale: Double) {
        let kernel: Kernel
        switch (losses.dtype, logits.dtype) {
        case (.float32, .float32): kernel = .softmaxCrossEntropy
        case (.float32, .bfloat16): kernel = .softmaxCrossEntropyBFloat16
        default:
            preconditionFailure("CUDA backend: softmaxCrossEntropy does not take \(losses.dtype) losses with \(logits.dtype) logits")
        }
        precondition(losses.count >= rows && logits.count >= rows * columns,
                     "softmaxCrossEntropy: tensors smaller than \(rows) rows of \(columns)")
        precondition(targets.dtype == .int32 && targets.count >= rows, "softmaxCrossEntropy: need \(rows) int32 targets")
        precondition(firstColumn >= 0 && firstColumn < columns, "softmaxCrossEntropy: first column \(firstColumn) of \(columns)")
        guard rows > 0 else { return }
        // The 4-element vectors of a row's body, cached as float4s in shared memory beside the
        // kernel's own 1 KB; the last eighth always stays in global memory, so that small rows use both paths.
        let bodyVectors = max((columns - 3) / 4, 0)
        let cacheVectors = min((driver.maximumSharedBytesPerBlock - 1024) / 16, bodyVectors - bodyVectors / 8)
        let sharedBytes = cacheVectors * 16
        must { () throws(CUDAError) in
            try driver.setDynamicSharedLimit(try function(kernel), name: kernel.rawValue, bytes: sharedBytes)
        }
        launch(kernel, grid: (rows, 1, 1), block: (1024, 1, 1), sharedBytes: sharedBytes,
               [.address(losses.address), .address(logits.address), .address(targets.address), .int32(Int32(rows)),
                .int64(columns), .int32(Int32(firstColumn)), .float(Float(gradientScale)), .int32(Int32(cacheVectors))])
    }
}
