import Foundation
import RecutCore

extension CUDABackend {
    public func adamW(parameters: Tensor, gradients: Tensor, firstMoment: Tensor, secondMoment: Tensor,
                      count: Int, step: AdamWStep, gate: Tensor?) {
        requireFloat32("adamW", parameters, gradients, firstMoment, secondMoment)
        if let gate { requireFloat32("adamW gate", gate) }
        precondition([parameters, gradients, firstMoment, secondMoment].allSatisfy { $0.count >= count },
                     "adamW: tensors shorter than \(count)")
        precondition(step.step >= 1, "adamW: step numbers start at 1")
        let firstCorrection = Float(1 - pow(step.beta1, Double(step.step)))
        let secondCorrectionRoot = Float((1 - pow(step.beta2, Double(step.step))).squareRoot())
        launchElementwise(.adamW, count: count,
                          [.address(parameters.address), .address(gradients.address), .address(firstMoment.address),
                           .address(secondMoment.address), .int64(count),
                           .float(Float(step.learningRate)), .float(Float(step.beta1)), .float(Float(step.beta2)),
                           .float(Float(step.epsilon)), .float(Float(step.learningRate * step.weightDecay)),
                           .float(Float(step.gradientScale)), .float(firstCorrection), .float(secondCorrectionRoot),
                           .address(gate?.address ?? 0)])
    }
}
