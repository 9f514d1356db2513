import RecutCore

extension CPUBackend {
    public func geluForward(_ output: Tensor, input: Tensor, count: Int) {
        if widenedBFloat16([output, input], written: [0], { t in geluForward(t[0], input: t[1], count: count) }) != nil { return }
        precondition(output.count >= count && input.count >= count, "geluForward: tensors shorter than \(count)")
        dispatch(output.dtype) {
            geluForwardKernel(output.pointer(as: Float.self), input.pointer(as: Float.self), count)
        } double: {
            geluForwardKernel(output.pointer(as: Double.self), input.pointer(as: Double.self), count)
        }
    }

    public func geluBackward(_ inputGradient: Tensor, outputGradient: Tensor, input: Tensor, count: Int) {
        if widenedBFloat16([inputGradient, outputGradient, input], written: [0], { t in
            geluBackward(t[0], outputGradient: t[1], input: t[2], count: count)
        }) != nil { return }
        precondition(inputGradient.count >= count && outputGradient.count >= count && input.count >= count,
                     "geluBackward: tensors shorter than \(count)")
        dispatch(inputGradient.dtype) {
            geluBackwardKernel(inputGradient.pointer(as: Float.self), outputGradient.pointer(as: Float.self),
                               input.pointer(as: Float.self), count)
        } double: {
            geluBackwardKernel(inputGradient.pointer(as: Double.self), outputGradient.pointer(as: Double.self),
                               input.pointer(as: Double.self), count)
        }
    }

    public func reluForward(_ output: Tensor, input: Tensor, count: Int) {
        if widenedBFloat16([output, input], written: [0], { t in reluForward(t[0], input: t[1], count: count) }) != nil { return }
        precondition(output.count >= count && input.count >= count, "reluForward: tensors shorter than \(count)")
        dispatch(output.dtype) {
            reluForwardKernel(output.pointer(as: Float.self), input.pointer(as: Float.self), count)
        } double: {
            reluForwardKernel(output.pointer(as: Double.self), input.pointer(as: Double.self), count)
        }
    }

    public func reluBackward(_ inputGradient: Tensor, outputGradient: Tensor, input: Tensor, count: Int) {
        if widenedBFloat16([inputGradient, outputGradient, input], written: [0], { t in
            reluBackward(t[0], outputGradient: t[1], input: t[2], count: count)
        }) != nil { return }
        precondition(inputGradient.count >= count && outputGradient.count >= count && input.count >= count,
                     "reluBackward: tensors shorter than \(count)")
        dispatch(inputGradient.dtype) {
            reluBackwardKernel(inputGradient.pointer(as: Float.self), outputGradient.pointer(as: Float.self),
                               input.pointer(as: Float.self), count)
        } double: {
            reluBackwardKernel(inputGradient.pointer(as: Double.self), outputGradient.pointer(as: Double.self),
                               input.pointer(as: Double.self), count)
        }
    }
}

/// Parallel layout for the kernels below: each chunk owns a contiguous range of elements.
private func geluForwardKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>,
                                             _ count: Int) {
    let inverseRootTwo = S(0.5.squareRoot())
    parallelChunks(count: count, minimumChunk: elementwiseChunk / 4) { _, range in
        for i in stride(from: range.lowerBound, to: range.upperBound, by: 8) {
            let x = input.vector(at: i, end: range.upperBound, padding: 0)
            output.store(0.5 * x * (1 + S.errorFunctions(x * inverseRootTwo)), at: i, end: range.upperBound)
        }
    }
}

/// GELU'(x) = Phi(x) + x * phi(x), with Phi the normal CDF and phi its density.
private func geluBackwardKernel<S: CPUScalar>(_ inputGradient: UnsafeMutablePointer<S>,
                                              _ outputGradient: UnsafeMutablePointer<S>,
                                              _ input: UnsafeMutablePointer<S>, _ count: Int) {
    let inverseRootTwo = S(0.5.squareRoot())
    let inverseRootTwoPi = S(1 / (2 * Double.pi).squareRoot())
    parallelChunks(count: count, minimumChunk: elementwiseChunk / 4) { _, range in
        for i in stride(from: range.lowerBound, to: range.upperBound, by: 8) {
            let x = input.vector(at: i, end: range.upperBound, padding: 0)
            let cdf = 0.5 * (1 + S.errorFunctions(x * inverseRootTwo))
            let density = inverseRootTwoPi * S.exponentials(-0.5 * x * x)
            let gradient = outputGradient.vector(at: i, end: range.upperBound, padding: 0) * (cdf + x * density)
            inputGradient.store(gradient, at: i, end: range.upperBound)
        }
    }
}

private func reluForwardKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>,
                                             _ count: Int) {
    parallelChunks(count: count, minimumChunk: elementwiseChunk) { _, range in
        for i in range { output[i] = max(input[i], 0) }
    }
}

private func reluBackwardKernel<S: CPUScalar>(_ inputGradient: UnsafeMutablePointer<S>,
                                              _ outputGradient: UnsafeMutablePointer<S>,
                                              _ input: UnsafeMutablePointer<S>, _ count: Int) {
    parallelChunks(count: count, minimumChunk: elementwiseChunk) { _, range in
        for i in range { inputGradient[i] = input[i] > 0 ? outputGradient[i] : 0 }
    }
}
