import RecutCore

extension CPUBackend {
    public func layerNormForward(_ output: Tensor, mean: Tensor, reciprocalStandardDeviation: Tensor,
                                 input: Tensor, weight: Tensor, bias: Tensor,
                                 rows: Int, dimension: Int, epsilon: Double) {
        if widenedBFloat16([output, mean, reciprocalStandardDeviation, input, weight, bias], written: [0, 1, 2], { t in
            layerNormForward(t[0], mean: t[1], reciprocalStandardDeviation: t[2], input: t[3], weight: t[4], bias: t[5],
                             rows: rows, dimension: dimension, epsilon: epsilon)
        }) != nil { return }
        precondition(output.count >= rows * dimension && input.count >= rows * dimension, "layerNormForward: tensors too small")
        precondition(mean.count >= rows && reciprocalStandardDeviation.count >= rows, "layerNormForward: statistics too small")
        dispatch(output.dtype) {
            layerNormForwardKernel(output.pointer(as: Float.self), mean.pointer(as: Float.self),
                                   reciprocalStandardDeviation.pointer(as: Float.self), input.pointer(as: Float.self),
                                   weight.pointer(as: Float.self), bias.pointer(as: Float.self),
                                   rows, dimension, Float(epsilon))
        } double: {
            layerNormForwardKernel(output.pointer(as: Double.self), mean.pointer(as: Double.self),
                                   reciprocalStandardDeviation.pointer(as: Double.self), input.pointer(as: Double.self),
                                   weight.pointer(as: Double.self), bias.pointer(as: Double.self),
                                   rows, dimension, epsilon)
        }
    }

    public func layerNormBackward(_ inputGradient: Tensor, weightGradient: Tensor, biasGradient: Tensor,
                                  outputGradient: Tensor, input: Tensor, weight: Tensor,
                                  mean: Tensor, reciprocalStandardDeviation: Tensor,
                                  rows: Int, dimension: Int) {
        if widenedBFloat16([inputGradient, weightGradient, biasGradient, outputGradient, input, weight,
                             mean, reciprocalStandardDeviation], written: [0, 1, 2], { t in
            layerNormBackward(t[0], weightGradient: t[1], biasGradient: t[2], outputGradient: t[3], input: t[4],
                              weight: t[5], mean: t[6], reciprocalStandardDeviation: t[7], rows: rows, dimension: dimension)
        }) != nil { return }
        precondition(inputGradient.count >= rows * dimension && outputGradient.count >= rows * dimension,
                     "layerNormBackward: tensors too small")
        dispatch(inputGradient.dtype) {
            layerNormBackwardKernel(inputGradient.pointer(as: Float.self), weightGradient.pointer(as: Float.self),
                                    biasGradient.pointer(as: Float.self), outputGradient.pointer(as: Float.self),
                                    input.pointer(as: Float.self), weight.pointer(as: Float.self),
                                    mean.pointer(as: Float.self), reciprocalStandardDeviation.pointer(as: Float.self),
                                    rows, dimension)
        } double: {
            layerNormBackwardKernel(inputGradient.pointer(as: Double.self), weightGradient.pointer(as: Double.self),
                                    biasGradient.pointer(as: Double.self), outputGradient.pointer(as: Double.self),
                                    input.pointer(as: Double.self), weight.pointer(as: Double.self),
                                    mean.pointer(as: Double.self), reciprocalStandardDeviation.pointer(as: Double.self),
                                    rows, dimension)
        }
    }
}

/// Rows per chunk below which layer norm stays on one thread.
private let layerNormRowChunk = 256

/// Parallel layout: each chunk owns a range of rows.
private func layerNormForwardKernel<S: CPUScalar>(
    _ output: UnsafeMutablePointer<S>, _ mean: UnsafeMutablePointer<S>, _ rstd: UnsafeMutablePointer<S>,
    _ input: UnsafeMutablePointer<S>, _ weight: UnsafeMutablePointer<S>, _ bias: UnsafeMutablePointer<S>,
    _ rows: Int, _ dimension: Int, _ epsilon: S
) {
    let d = dimension
    parallelChunks(count: rows, minimumChunk: layerNormRowChunk) { _, range in
        for r in range {
            let x = input + r * d, y = output + r * d
            var sum: S = 0
            for i in 0..<d { sum += x[i] }
            let m = sum / S(d)
            var variance: S = 0
            for i in 0..<d {
                let centred = x[i] - m
                variance += centred * centred
            }
            let s = 1 / (variance / S(d) + epsilon).squareRoot()
            for i in 0..<d { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
            mean[r] = m
            rstd[r] = s
        }
    }
}

/// Parallel layout: each chunk owns a range of rows of the input gradient and its own
/// partial weight and bias gradients, summed afterwards in chunk order.
private func layerNormBackwardKernel<S: CPUScalar>(
    _ inputGradient: UnsafeMutablePointer<S>, _ weightGradient: UnsafeMutablePointer<S>,
    _ biasGradient: UnsafeMutablePointer<S>, _ outputGradient: UnsafeMutablePointer<S>,
    _ input: UnsafeMutablePointer<S>, _ weight: UnsafeMutablePointer<S>,
    _ mean: UnsafeMutablePointer<S>, _ rstd: UnsafeMutablePointer<S>,
    _ rows: Int, _ dimension: Int
) {
    let d = dimension
    let chunks = chunkCount(count: rows, minimumChunk: layerNormRowChunk)
    var partials = [S](repeating: 0, count: chunks * 2 * d)
    partials.withUnsafeMutableBufferPointer { partials in
        let partials = partials.baseAddress!
        parallelChunks(count: rows, minimumChunk: layerNormRowChunk) { chunk, range in
            let dWeight = partials + chunk * 2 * d, dBias = dWeight + d
            for r in range {
                let x = input + r * d, dy = outputGradient + r * d, dx = inputGradient + r * d
                let m = mean[r], s = rstd[r]
                var meanOfGradient: S = 0, meanOfGradientTimesNorm: S = 0
                for i in 0..<d {
                    let norm = (x[i] - m) * s
                    let dNorm = dy[i] * weight[i]
                    meanOfGradient += dNorm
                    meanOfGradientTimesNorm += dNorm * norm
                    dWeight[i] += dy[i] * norm
                    dBias[i] += dy[i]
                }
                meanOfGradient /= S(d)
                meanOfGradientTimesNorm /= S(d)
                for i in 0..<d {
                    let norm = (x[i] - m) * s
                    dx[i] += (dy[i] * weight[i] - meanOfGradient - norm * meanOfGradientTimesNorm) * s
                }
            }
        }
        for chunk in 0..<chunks {
            let dWeight = partials + chunk * 2 * d, dBias = dWeight + d
            for i in 0..<d {
                weightGradient[i] += dWeight[i]
                biasGradient[i] += dBias[i]
            }
        }
    }
}
