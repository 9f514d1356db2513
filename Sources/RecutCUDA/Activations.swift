import RecutCore

extension CUDABackend {
    public func geluForward(_ output: Tensor, input: Tensor, count: Int) {
        let kernel = activationKernel("geluForward", float32: .geluForward, bfloat16: .geluForwardBFloat16,
                                      output, input)
        precondition(output.count >= count && input.count >= count, "geluForward: tensors shorter than \(count)")
        launchElementwise(kernel, count: count, [.address(output.address), .address(input.address), .int64(count)])
    }

    public func geluBackward(_ inputGradient: Tensor, outputGradient: Tensor, input: Tensor, count: Int) {
        let kernel = activationKernel("geluBackward", float32: .geluBackward, bfloat16: .geluBackwardBFloat16,
                                      inputGradient, outputGradient, input)
        precondition(inputGradient.count >= count && outputGradient.count >= count && input.count >= count,
                     "geluBackward: tensors shorter than \(count)")
        launchElementwise(kernel, count: count,
                          [.address(inputGradient.address), .address(outputGradient.address), .address(input.address),
                           .int64(count)])
    }

    public func reluForward(_ output: Tensor, input: Tensor, count: Int) {
        let kernel = activationKernel("reluForward", float32: .reluForward, bfloat16: .reluForwardBFloat16,
                                      output, input)
        precondition(output.count >= count && input.count >= count, "reluForward: tensors shorter than \(count)")
        launchElementwise(kernel, count: count, [.address(output.address), .address(input.address), .int64(count)])
    }

    public func reluBackward(_ inputGradient: Tensor, outputGradient: Tensor, input: Tensor, count: Int) {
        let kernel = activationKernel("reluBackward", float32: .reluBackward, bfloat16: .reluBackwardBFloat16,
                                      inputGradient, outputGradient, input)
        precondition(inputGradient.count >= count && outputGradient.count >= count && input.count >= count,
                     "reluBackward: tensors shorter than \(count)")
        launchElementwise(kernel, count: count,
                          [.address(inputGradient.address), .address(outputGradient.address), .address(input.address),
                           .int64(count)])
    }

    /// The activation kernel for operands that are all float32 or all bfloat16.
    private func activationKernel(_ operation: String, float32: Kernel, bfloat16: Kernel,
                                  _ tensors: Tensor...) -> Kernel {
        let dtypes = tensors.map(\.dtype)
        if dtypes.allSatisfy({ $0 == .float32 }) { return float32 }
        if dtypes.allSatisfy({ $0 == .bfloat16 }) { return bfloat16 }
        preconditionFailure("CUDA backend: \(operation) does not take \(dtypes)")
    }
}
