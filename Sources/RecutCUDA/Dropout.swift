import RecutCore

extension CUDABackend {
    public func dropoutForward(_ output: Tensor, input: Tensor, count: Int, probability: Double, seed: UInt64) {
        let kernel: Kernel = switch (output.dtype, input.dtype) {
        case (.float32, .float32): .dropout
        case (.bfloat16, .bfloat16): .dropoutBFloat16
        default: preconditionFailure("CUDA backend: dropoutForward does not take output \(output.dtype), input \(input.dtype)")
        }
        precondition(output.count >= count && input.count >= count, "dropoutForward: tensors shorter than \(count)")
        launchDropout(kernel, output, input, count: count, probability: probability, seed: seed)
    }

    public func dropoutBackward(_ inputGradient: Tensor, outputGradient: Tensor, count: Int,
                                probability: Double, seed: UInt64) {
        let kernel: Kernel = switch (inputGradient.dtype, outputGradient.dtype) {
        case (.float32, .float32): .dropout
        case (.bfloat16, .bfloat16): .dropoutBFloat16
        case (.bfloat16, .float32): .dropoutFloatToBFloat16
        default:
            preconditionFailure("CUDA backend: dropoutBackward does not take inputGradient \(inputGradient.dtype), "
                                + "outputGradient \(outputGradient.dtype)")
        }
        precondition(inputGradient.count >= count && outputGradient.count >= count,
                     "dropoutBackward: tensors shorter than \(count)")
        launchDropout(kernel, inputGradient, outputGradient, count: count, probability: probability, seed: seed)
    }

    /// Forward and backward are the same masking and scaling, the mask recomputed from the seed.
    private func launchDropout(_ kernel: Kernel, _ output: Tensor, _ input: Tensor, count: Int, probability: Double,
                               seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
        launchElementwise(kernel, count: count,
                          [.address(output.address), .address(input.address), .int64(count), .double(probability),
                           .unsigned64(seed), .float(Float(1 / (1 - probability)))])
    }
}
