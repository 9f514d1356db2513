import RecutCore

extension CUDABackend {
    public func dropoutForward(_ output: Tensor, input: Tensor, count: Int, probability: Double, seed: UInt64) {
        requireFloat32("dropoutForward", output, input)
        precondition(output.count >= count && input.count >= count, "dropoutForward: tensors shorter than \(count)")
        launchDropout(output, input, count: count, probability: probability, seed: seed)
    }

    public func dropoutBackward(_ inputGradient: Tensor, outputGradient: Tensor, count: Int,
                                probability: Double, seed: UInt64) {
        requireFloat32("dropoutBackward", inputGradient, outputGradient)
        precondition(inputGradient.count >= count && outputGradient.count >= count,
                     "dropoutBackward: tensors shorter than \(count)")
        launchDropout(inputGradient, outputGradient, count: count, probability: probability, seed: seed)
    }

    /// Forward and backward are the same masking and scaling, the mask recomputed from the seed.
    private func launchDropout(_ output: Tensor, _ input: Tensor, count: Int, probability: Double, seed: UInt64) {
        precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
        launchElementwise(.dropout, count: count,
                          [.address(output.address), .address(input.address), .int64(count), .double(probability),
                           .unsigned64(seed), .float(Float(1 / (1 - probability)))])
    }
}
