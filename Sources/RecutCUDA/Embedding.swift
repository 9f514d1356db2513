import RecutCore

extension CUDABackend {
    /// Ids outside the table give NaN rows (a GPU kernel cannot stop the program like the CPU op).
    public func embeddingForward(_ output: Tensor, ids: Tensor, table: Tensor, count: Int, dimension: Int) {
        let kernel: Kernel = switch (output.dtype, table.dtype) {
        case (.float32, .float32): .embeddingForward
        case (.float32, .bfloat16): .embeddingForwardBFloat16
        case (.bfloat16, .bfloat16): .embeddingForwardBFloat16ToBFloat16
        default:
            preconditionFailure("CUDA backend: embeddingForward does not take output \(output.dtype), table \(table.dtype)")
        }
        precondition(ids.dtype == .int32 && ids.count >= count, "embeddingForward: need \(count) int32 ids")
        precondition(output.count >= count * dimension, "embeddingForward: output too small")
        launchElementwise(kernel, count: count * dimension,
                          [.address(output.address), .address(ids.address), .address(table.address), .int64(count),
                           .int32(Int32(dimension)), .int64(table.count / dimension)])
    }

    /// Repeated ids are summed with float atomics, so the order of additions varies between runs.
    public func embeddingBackward(_ tableGradient: Tensor, outputGradient: Tensor, ids: Tensor,
                                  count: Int, dimension: Int, skipping skippedID: Int32?) {
        requireFloat32("embeddingBackward", tableGradient, outputGradient)
        precondition(ids.dtype == .int32 && ids.count >= count, "embeddingBackward: need \(count) int32 ids")
        precondition(outputGradient.count >= count * dimension, "embeddingBackward: gradient too small")
        launchElementwise(.embeddingBackward, count: count * dimension,
                          [.address(tableGradient.address), .address(outputGradient.address), .address(ids.address),
                           .int64(count), .int32(Int32(dimension)), .int64(tableGradient.count / dimension),
                           .int32(skippedID == nil ? 0 : 1), .int32(skippedID ?? 0)])
    }
}
