import CVectorKernels
import RecutCore

extension CPUBackend {
    public func dropoutForward(_ output: Tensor, input: Tensor, count: Int, probability: Double, seed: UInt64) {
        if widenedBFloat16([output, input], written: [0], { t in
            dropoutForward(t[0], input: t[1], count: count, probability: probability, seed: seed)
        }) != nil { return }
        precondition(output.count >= count && input.count >= count, "dropoutForward: tensors shorter than \(count)")
        dispatch(output.dtype) {
            vectorDropout(output.pointer(as: Float.self), input.pointer(as: Float.self), count, probability, seed)
        } double: {
            dropoutKernel(output.pointer(as: Double.self), input.pointer(as: Double.self), count, probability, seed)
        }
    }

    public func dropoutBackward(_ inputGradient: Tensor, outputGradient: Tensor, count: Int,
                                probability: Double, seed: UInt64) {
        if widenedBFloat16([inputGradient, outputGradient], written: [0], { t in
            dropoutBackward(t[0], outputGradient: t[1], count: count, probability: probability, seed: seed)
        }) != nil { return }
        precondition(inputGradient.count >= count && outputGradient.count >= count,
                     "dropoutBackward: tensors shorter than \(count)")
        dispatch(inputGradient.dtype) {
            vectorDropout(inputGradient.pointer(as: Float.self), outputGradient.pointer(as: Float.self),
                          count, probability, seed)
        } double: {
            dropoutKernel(inputGradient.pointer(as: Double.self), outputGradient.pointer(as: Double.self),
                          count, probability, seed)
        }
    }
}

/// Float32 dropout by the vector kernel in C (CVectorKernels), which draws `DropoutMask`'s mask.
/// Parallel layout: each chunk owns a contiguous range of elements.
private func vectorDropout(_ output: UnsafeMutablePointer<Float>, _ input: UnsafeMutablePointer<Float>,
                           _ count: Int, _ probability: Double, _ seed: UInt64) {
    precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
    let keepScale = Float(1 / (1 - probability)), threshold = DropoutMask.threshold(probability: probability)
    parallelChunks(count: count, minimumChunk: elementwiseChunk / 2) { _, range in
        recut_dropout(output + range.lowerBound, input + range.lowerBound, range.lowerBound, range.count, seed,
                      threshold, keepScale)
    }
}

/// Forward and backward are the same masking and scaling, the mask recomputed from the seed
/// (the float64 reference of `vectorDropout`). Parallel layout: each chunk owns a contiguous range of elements.
private func dropoutKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>,
                                         _ count: Int, _ probability: Double, _ seed: UInt64) {
    precondition(probability >= 0 && probability < 1, "dropout probability \(probability) outside [0, 1)")
    let keepScale = S(1 / (1 - probability))
    let threshold = DropoutMask.threshold(probability: probability)
    parallelChunks(count: count, minimumChunk: elementwiseChunk / 2) { _, range in
        for i in range {
            // A select, not a branch: the kept/dropped pattern is random.
            let factor = DropoutMask.keeps(seed: seed, index: i, threshold: threshold) ? keepScale : 0
            output[i] = input[i] * factor
        }
    }
}
