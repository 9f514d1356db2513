import RecutCore

extension CUDABackend {
    public func addBias(_ output: Tensor, bias: Tensor, rows: Int, columns: Int) {
        let kernel: Kernel = switch (output.dtype, bias.dtype) {
        case (.float32, .float32): .addBias
        case (.bfloat16, .float32): .addBiasBFloat16
        default: preconditionFailure("CUDA backend: addBias does not take output \(output.dtype), bias \(bias.dtype)")
        }
        precondition(output.count >= rows * columns && bias.count >= columns, "addBias: tensors too small")
        launchElementwise(kernel, count: rows * columns,
                          [.address(output.address), .address(bias.address), .int64(rows), .int32(Int32(columns))])
    }

    /// How a column sum over `rows` splits its rows among blocks: enough chunks of at least
    /// 64 rows for about four blocks per multiprocessor, so that a sum over many rows and few
    /// columns still fills the chip (32 columns per block).
    func columnReductionChunks(rows: Int, columns: Int) -> (chunks: Int, rowsPerBlock: Int) {
        let columnBlocks = (columns + 31) / 32
        let chunks = max(1, min((rows + 63) / 64, driver.multiprocessorCount * 4 / columnBlocks))
        return (chunks, (rows + chunks - 1) / chunks)
    }

    /// Row chunks are summed with float atomics, so the order of additions varies between runs.
    public func biasBackward(_ biasGradient: Tensor, outputGradient: Tensor, rows: Int, columns: Int) {
        let kernel: Kernel = switch (biasGradient.dtype, outputGradient.dtype) {
        case (.float32, .float32): .biasBackward
        case (.float32, .bfloat16): .biasBackwardBFloat16
        default:
            preconditionFailure("CUDA backend: biasBackward does not take biasGradient \(biasGradient.dtype), "
                                + "outputGradient \(outputGradient.dtype)")
        }
        precondition(outputGradient.count >= rows * columns && biasGradient.count >= columns,
                     "biasBackward: tensors too small")
        guard columns > 0 else { return }
        guard rows > 0 else { return }
        let (chunks, rowsPerBlock) = columnReductionChunks(rows: rows, columns: columns)
        launch(kernel, grid: ((columns + 31) / 32, chunks, 1), block: (32, 8, 1),
               [.address(biasGradient.address), .address(outputGradient.address),
                .int32(Int32(rows)), .int32(Int32(columns)), .int32(Int32(rowsPerBlock))])
    }
}
