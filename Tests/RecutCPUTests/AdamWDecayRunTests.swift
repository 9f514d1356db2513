import Foundation
import Testing
import RecutCore
import RecutCPU

@Test func decayRunsCoverTheBufferAndFollowTheEntries() {
    var layout = ParameterLayout()
    layout.append(name: "a", shape: [5], decays: true)
    layout.append(name: "b", shape: [3], decays: false)
    layout.append(name: "c", shape: [2], decays: false)
    layout.append(name: "d", shape: [16], decays: true)
    layout.append(name: "e", shape: [4], decays: true)
    // a at 0..<5, gap 5..<16, b at 16..<19, gap, c at 32..<34, gap, d at 48..<64, e at 64..<68.
    #expect(layout.decayRuns.map(\.range) == [0..<5, 5..<48, 48..<68])
    #expect(layout.decayRuns.map(\.decays) == [true, false, true])
    #expect(ParameterLayout().decayRuns.isEmpty)
}

/// AdamW run by run gives the same float32 bits as the former single pass over a per-element
/// 0/1 decay mask (`p - decay * mask * p`), replayed here in the same order of operations.
@Test func adamWRunByRunMatchesTheMaskFormulaBitForBit() {
    let layout = SASRecConfiguration(catalogSize: 30, maxLength: 6, dimension: 8, blocks: 2, heads: 2).parameterLayout
    let count = layout.totalCount
    var mask = [Float](repeating: 0, count: count)
    for entry in layout.entries where entry.decays { for i in entry.offset..<(entry.offset + entry.count) { mask[i] = 1 } }
    var parameters = randomValues(count, seed: 5).map(Float.init)
    let optimizer = AdamW(configuration: AdamWConfiguration(learningRate: 0.01, weightDecay: 0.1),
                          layout: layout, backend: backend, dtype: .float32)
    let parameterTensor = backend.upload(parameters, shape: [count])
    var first = [Float](repeating: 0, count: count), second = first
    for stepNumber in 1...2 {
        let gradients = randomValues(count, seed: 10 + UInt64(stepNumber)).map(Float.init)
        optimizer.update(parameters: parameterTensor, gradients: backend.upload(gradients, shape: [count]))
        let c = optimizer.configuration, decay = Float(c.learningRate * c.weightDecay)
        let beta1 = Float(c.beta1), beta2 = Float(c.beta2), rate = Float(c.learningRate), epsilon = Float(c.epsilon)
        let firstCorrection = Float(1 - pow(c.beta1, Double(stepNumber)))
        let secondCorrectionRoot = Float((1 - pow(c.beta2, Double(stepNumber))).squareRoot())
        for i in 0..<count {
            let g = gradients[i] * 1
            first[i] = beta1 * first[i] + (1 - beta1) * g
            second[i] = beta2 * second[i] + (1 - beta2) * g * g
            let decayed = parameters[i] - decay * mask[i] * parameters[i]
            parameters[i] = decayed - rate * (first[i] / firstCorrection) / (second[i].squareRoot() / secondCorrectionRoot + epsilon)
        }
    }
    let updated: [Float] = backend.download(parameterTensor)
    #expect(updated.map(\.bitPattern) == parameters.map(\.bitPattern))
    let moments: [Float] = backend.download(optimizer.firstMoment) + backend.download(optimizer.secondMoment)
    #expect(moments.map(\.bitPattern) == (first + second).map(\.bitPattern))
}
