import Foundation
import Testing
import RecutCore
import RecutCPU

private func twoEntryLayout() -> ParameterLayout {
    var layout = ParameterLayout()
    layout.append(name: "weight", shape: [2], decays: true)
    layout.append(name: "bias", shape: [1], decays: false)
    return layout
}

@Test func adamWTakesTwoHandComputedSteps() {
    let layout = twoEntryLayout()
    #expect(layout.entries[1].offset == ParameterLayout.alignment && layout.totalCount == ParameterLayout.alignment + 1)
    let optimizer = AdamW(configuration: AdamWConfiguration(learningRate: 0.1, beta1: 0.9, beta2: 0.98,
                                                            epsilon: 1e-8, weightDecay: 0.5),
                          layout: layout, backend: backend, dtype: .float64)
    var initial = [Double](repeating: 0, count: layout.totalCount)
    initial[0] = 1; initial[1] = -2; initial[16] = 3
    let parameters = tensor(initial, [layout.totalCount])
    var gradientValues = [Double](repeating: 0, count: layout.totalCount)

    gradientValues[0] = 0.5; gradientValues[1] = -1; gradientValues[16] = 2
    #expect(optimizer.update(parameters: parameters, gradients: tensor(gradientValues, [layout.totalCount])) == nil)
    // Step 1: m = 0.1 g, v = 0.02 g^2, so m_hat / sqrt(v_hat) = sign(g).
    // weight[0]: 1 * (1 - 0.05) - 0.1 = 0.85; weight[1]: -2 * 0.95 + 0.1 = -1.8; bias: 3 - 0.1 = 2.9.
    let afterOne = values(parameters)
    #expect(relativeError([afterOne[0], afterOne[1], afterOne[16]], [0.85, -1.8, 2.9]) < 1e-8)

    gradientValues[0] = -0.5; gradientValues[1] = -1; gradientValues[16] = 1
    optimizer.update(parameters: parameters, gradients: tensor(gradientValues, [layout.totalCount]))
    func expectedSecond(_ start: Double, _ g1: Double, _ g2: Double, decays: Bool) -> Double {
        let m = 0.9 * (0.1 * g1) + 0.1 * g2
        let v = 0.98 * (0.02 * g1 * g1) + 0.02 * g2 * g2
        let mHat = m / (1 - 0.81), vHat = v / (1 - 0.98 * 0.98)
        return start * (decays ? 1 - 0.05 : 1) - 0.1 * mHat / (vHat.squareRoot() + 1e-8)
    }
    let afterTwo = values(parameters)
    // Start from the computed step-1 values: they differ from the rounded ones above by epsilon's effect.
    let expected = [expectedSecond(afterOne[0], 0.5, -0.5, decays: true),
                    expectedSecond(afterOne[1], -1, -1, decays: true),
                    expectedSecond(afterOne[16], 2, 1, decays: false)]
    #expect(relativeError([afterTwo[0], afterTwo[1], afterTwo[16]], expected) < 1e-12)
    #expect(afterTwo[2] == 0 && optimizer.step == 2)
    #expect(optimizer.namedState().map(\.name) == ["weight.exp_avg", "weight.exp_avg_sq", "bias.exp_avg", "bias.exp_avg_sq"])
}

@Test func adamWClipsTheGlobalGradientNorm() {
    let layout = twoEntryLayout()
    let optimizer = AdamW(configuration: AdamWConfiguration(learningRate: 0.1, maximumGradientNorm: 1),
                          layout: layout, backend: backend, dtype: .float64)
    var gradientValues = [Double](repeating: 0, count: layout.totalCount)
    gradientValues[0] = 3; gradientValues[16] = 4
    let parameters = backend.makeTensor(shape: [layout.totalCount], dtype: .float64)
    let norm = optimizer.update(parameters: parameters, gradients: tensor(gradientValues, [layout.totalCount]))
    #expect(abs(norm! - 5) < 1e-12)
    // The first moment holds 0.1 * clipped gradient: 0.1 * 3 / 5.
    let firstMoment = values(optimizer.firstMoment)
    #expect(abs(firstMoment[0] - 0.1 * 3 / (5 + 1e-6)) < 1e-12)
}
