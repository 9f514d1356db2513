import Foundation
import Testing
import RecutCore
import RecutCPU

@Test func adamWKernelMatchesPyTorchFormula() {
    let count = 6
    let parameters = randomValues(count, seed: 1), gradients = randomValues(count, seed: 2)
    let first = randomValues(count, seed: 3, scale: 0.1), second = randomValues(count, seed: 4).map { $0 * $0 }
    let mask: [Double] = [1, 0, 1, 0, 1, 1]
    let parameterTensor = tensor(parameters, [count]), gradientTensor = tensor(gradients, [count])
    let firstTensor = tensor(first, [count]), secondTensor = tensor(second, [count])
    // One call per element on views, with the weight decay on or off as the mask says.
    for i in 0..<count {
        let step = AdamWStep(learningRate: 0.01, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.1 * mask[i],
                             step: 3, gradientScale: 0.5)
        func element(_ buffer: Tensor) -> Tensor { buffer.view(offset: i, shape: [1]) }
        backend.adamW(parameters: element(parameterTensor), gradients: element(gradientTensor),
                      firstMoment: element(firstTensor), secondMoment: element(secondTensor), count: 1, step: step)
    }
    var expected = [Double]()
    for i in 0..<count {
        let g = gradients[i] * 0.5
        let m = 0.9 * first[i] + 0.1 * g, v = 0.98 * second[i] + 0.02 * g * g
        let decayed = parameters[i] * (1 - 0.01 * 0.1 * mask[i])
        expected.append(decayed - 0.01 * (m / (1 - pow(0.9, 3))) / (sqrt(v / (1 - pow(0.98, 3))) + 1e-8))
    }
    #expect(relativeError(values(parameterTensor), expected) < 1e-13)
}
