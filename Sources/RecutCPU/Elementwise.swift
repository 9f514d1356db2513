import RecutCore

/// Elements per chunk below which elementwise loops stay on one thread.
let elementwiseChunk = 1 << 15

extension CPUBackend {
    public func add(_ output: Tensor, _ a: Tensor, _ b: Tensor, count: Int) {
        if widenedBFloat16([output, a, b], written: [0], { t in add(t[0], t[1], t[2], count: count) }) != nil { return }
        precondition(output.count >= count && a.count >= count && b.count >= count, "add: tensors shorter than \(count)")
        dispatch(output.dtype) {
            addKernel(output.pointer(as: Float.self), a.pointer(as: Float.self), b.pointer(as: Float.self), count)
        } double: {
            addKernel(output.pointer(as: Double.self), a.pointer(as: Double.self), b.pointer(as: Double.self), count)
        }
    }

    public func addScaled(_ output: Tensor, _ input: Tensor, scale: Double, count: Int) {
        if widenedBFloat16([output, input], written: [0], { t in addScaled(t[0], t[1], scale: scale, count: count) }) != nil { return }
        precondition(output.count >= count && input.count >= count, "addScaled: tensors shorter than \(count)")
        dispatch(output.dtype) {
            addScaledKernel(output.pointer(as: Float.self), input.pointer(as: Float.self), Float(scale), count)
        } double: {
            addScaledKernel(output.pointer(as: Double.self), input.pointer(as: Double.self), scale, count)
        }
    }

    public func scale(_ tensor: Tensor, by factor: Double, count: Int) {
        if widenedBFloat16([tensor], written: [0], { t in self.scale(t[0], by: factor, count: count) }) != nil { return }
        precondition(tensor.count >= count, "scale: tensor shorter than \(count)")
        dispatch(tensor.dtype) {
            scaleKernel(tensor.pointer(as: Float.self), Float(factor), count)
        } double: {
            scaleKernel(tensor.pointer(as: Double.self), factor, count)
        }
    }

    public func sumOfSquares(_ tensor: Tensor, count: Int) -> Double {
        if let widened = widenedBFloat16([tensor], written: [], { t in sumOfSquares(t[0], count: count) }) { return widened }
        precondition(tensor.count >= count, "sumOfSquares: tensor shorter than \(count)")
        var result = 0.0
        dispatch(tensor.dtype) {
            result = sumOfSquaresKernel(tensor.pointer(as: Float.self), count)
        } double: {
            result = sumOfSquaresKernel(tensor.pointer(as: Double.self), count)
        }
        return result
    }
}

/// Parallel layout for the kernels below: each chunk owns a contiguous range of elements.
private func addKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ a: UnsafeMutablePointer<S>,
                                     _ b: UnsafeMutablePointer<S>, _ count: Int) {
    parallelChunks(count: count, minimumChunk: elementwiseChunk) { _, range in
        for i in range { output[i] = a[i] + b[i] }
    }
}

private func addScaledKernel<S: CPUScalar>(_ output: UnsafeMutablePointer<S>, _ input: UnsafeMutablePointer<S>,
                                           _ scale: S, _ count: Int) {
    parallelChunks(count: count, minimumChunk: elementwiseChunk) { _, range in
        for i in range { output[i] += scale * input[i] }
    }
}

private func scaleKernel<S: CPUScalar>(_ tensor: UnsafeMutablePointer<S>, _ factor: S, _ count: Int) {
    parallelChunks(count: count, minimumChunk: elementwiseChunk) { _, range in
        for i in range { tensor[i] *= factor }
    }
}

/// Accumulates in float64 per chunk, then sums the chunk partials in chunk order.
private func sumOfSquaresKernel<S: CPUScalar>(_ tensor: UnsafeMutablePointer<S>, _ count: Int) -> Double {
    let chunks = chunkCount(count: count, minimumChunk: elementwiseChunk)
    var partials = [Double](repeating: 0, count: chunks)
    partials.withUnsafeMutableBufferPointer { partials in
        let partials = partials
        parallelChunks(count: count, minimumChunk: elementwiseChunk) { chunk, range in
            var sum = 0.0
            for i in range {
                let value = Double(tensor[i])
                sum += value * value
            }
            partials[chunk] = sum
        }
    }
    return partials.reduce(0, +)
}
