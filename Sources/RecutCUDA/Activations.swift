import RecutCore

extension CUDABackend {
    public func geluForward(_ output: Tensor, input: Tensor, count: Int) {
        requireFloat32("geluForward", output, input)
        precondition(output.count >= count && input.count >= count, "geluForward: tensors shorter than \(count)")
        launchElementwise(.geluForward, count: count, [.address(output.address), .address(input.address), .int64(count)])
    }

    public func geluBackward(_ inputGradient: Tensor, outputGradient: Tensor, input: Tensor, count: Int) {
        requireFloat32("geluBackward", inputGradient, outputGradient, input)
        precondition(inputGradient.count >= count && outputGradient.count >= count && input.count >= count,
                     "geluBackward: tensors shorter than \(count)")
        launchElementwise(.geluBackward, count: count,
                          [.address(inputGradient.address), .address(outputGradient.address), .address(input.address),
                           .int64(count)])
    }

    public func reluForward(_ output: Tensor, input: Tensor, count: Int) {
        requireFloat32("reluForward", output, input)
        precondition(output.count >= count && input.count >= count, "reluForward: tensors shorter than \(count)")
        launchElementwise(.reluForward, count: count, [.address(output.address), .address(input.address), .int64(count)])
    }

    public func reluBackward(_ inputGradient: Tensor, outputGradient: Tensor, input: Tensor, count: Int) {
        requireFloat32("reluBackward", inputGradient, outputGradient, input)
        precondition(inputGradient.count >= count && outputGradient.count >= count && input.count >= count,
                     "reluBackward: tensors shorter than \(count)")
        launchElementwise(.reluBackward, count: count,
                          [.address(inputGradient.address), .address(outputGradient.address), .address(input.address),
                           .int64(count)])
    }
}
