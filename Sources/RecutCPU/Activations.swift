import CVectorKernels
import RecutCore

extension CPUBackend {
    public func geluForward(_ output: Tensor, input: Tensor, count: Int) {
        if widenedBFloat16([output, input], written: [0], { t in geluForward(t[0], input: t[1], count: count) }) != nil { return }
        precondition(output.count >= count && input.count >= count, "geluForward: tensors shorter than \(count)")
        dispatch(output.dtype) {
            // Float32 runs the vector kernel in C (CVectorKernels); float64 is its reference.
            let (outputPointer, inputPointer) = (output.pointer(as: Float.self), input.pointer(as: Float.self))
            parallelChunks(count: count, minimumChunk: elementwiseChunk / 4) { _, range in
                recut_gelu_forward(outputPointer + range.lowerBound, inputPointer + range.lowerBound, range.count)
            }
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
            let pointers = (inputGradient.pointer(as: Float.self), outputGradient.pointer(as: Float.self),
                            input.pointer(as: Float.self))
            parallelChunks(count: count, minimumChunk: elementwiseChunk / 4) { _, range in
                let start = range.lowerBound
                recut_gelu_backward(pointers.0 + start, pointers.1 + start, pointers.2 + start, range.count)
            }
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
/// The float64 reference of the C kernel.
private func geluForwardKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>,
                                             _ count: Int) {
    let inverseRootTwo = S(0.5.squareRoot())
    parallelChunks(count: count, minimumChunk: elementwiseChunk / 4) { _, range in
        for i in range {
            let x = input[i]
            output[i] = 0.5 * x * (1 + S.errorFunction(x * inverseRootTwo))
        }
    }
}

/// GELU'(x) = Phi(x) + x * phi(x), with Phi the normal CDF and phi its density (the float64
/// reference of the C kernel).
private func geluBackwardKernel<S: CPUScalar>(_ inputGradient: UnsafeMutablePointer<S>,
                                              _ outputGradient: UnsafeMutablePointer<S>,
                                              _ input: UnsafeMutablePointer<S>, _ count: Int) {
    let inverseRootTwo = S(0.5.squareRoot())
    let inverseRootTwoPi = S(1 / (2 * Double.pi).squareRoot())
    parallelChunks(count: count, minimumChunk: elementwiseChunk / 4) { _, range in
        for i in range {
            let x = input[i]
            let cdf = 0.5 * (1 + S.errorFunction(x * inverseRootTwo))
            let density = inverseRootTwoPi * S.exponential(-0.5 * x * x)
            inputGradient[i] = outputGradient[i] * (cdf + x * density)
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
