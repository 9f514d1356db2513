import Foundation
import RecutCore

extension CPUBackend {
    public func adamW(parameters: Tensor, gradients: Tensor, firstMoment: Tensor, secondMoment: Tensor,
                      count: Int, step: AdamWStep, gate: Tensor?) {
        if let gate, stepGateIsClosed(gate) { return }
        if widenedBFloat16([parameters, gradients, firstMoment, secondMoment], written: [0, 2, 3], { t in
            adamW(parameters: t[0], gradients: t[1], firstMoment: t[2], secondMoment: t[3], count: count, step: step,
                  gate: nil)
        }) != nil { return }
        precondition([parameters, gradients, firstMoment, secondMoment].allSatisfy { $0.count >= count },
                     "adamW: tensors shorter than \(count)")
        precondition(step.step >= 1, "adamW: step numbers start at 1")
        dispatch(parameters.dtype) {
            adamWKernel(parameters.pointer(as: Float.self), gradients.pointer(as: Float.self),
                        firstMoment.pointer(as: Float.self), secondMoment.pointer(as: Float.self), count, step)
        } double: {
            adamWKernel(parameters.pointer(as: Double.self), gradients.pointer(as: Double.self),
                        firstMoment.pointer(as: Double.self), secondMoment.pointer(as: Double.self), count, step)
        }
    }
}

/// PyTorch's AdamW: decay the parameter, update the moments, step by the bias-corrected
/// moments. Parallel layout: each chunk owns a contiguous range of elements.
private func adamWKernel<S: CPUScalar>(
    _ parameters: UnsafeMutablePointer<S>, _ gradients: UnsafeMutablePointer<S>,
    _ firstMoment: UnsafeMutablePointer<S>, _ secondMoment: UnsafeMutablePointer<S>,
    _ count: Int, _ step: AdamWStep
) {
    let beta1 = S(step.beta1), beta2 = S(step.beta2)
    let learningRate = S(step.learningRate), epsilon = S(step.epsilon)
    let decay = S(step.learningRate * step.weightDecay), gradientScale = S(step.gradientScale)
    let firstCorrection = S(1 - pow(step.beta1, Double(step.step)))
    let secondCorrectionRoot = S((1 - pow(step.beta2, Double(step.step))).squareRoot())
    parallelChunks(count: count, minimumChunk: elementwiseChunk / 2) { _, range in
        for i in range {
            let g = gradients[i] * gradientScale
            let m = beta1 * firstMoment[i] + (1 - beta1) * g
            let v = beta2 * secondMoment[i] + (1 - beta2) * g * g
            firstMoment[i] = m
            secondMoment[i] = v
            let decayed = parameters[i] - decay * parameters[i]
            parameters[i] = decayed - learningRate * (m / firstCorrection) / (v.squareRoot() / secondCorrectionRoot + epsilon)
        }
    }
}
