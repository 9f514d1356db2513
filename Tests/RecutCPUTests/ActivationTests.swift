import Foundation
import Testing
import RecutCore
import RecutCPU

private let count = 50

private func gelu(_ input: [Double]) -> [Double] {
    let output = backend.makeTensor(shape: [input.count], dtype: .float64)
    backend.geluForward(output, input: tensor(input, [input.count]), count: input.count)
    return values(output)
}

@Test func geluForwardIsTheExactErfForm() {
    let input = randomValues(count, seed: 1, scale: 4)
    #expect(relativeError(gelu(input), input.map { 0.5 * $0 * (1 + erf($0 / 2.0.squareRoot())) }) < 1e-15)
    let single = backend.upload(input.map(Float.init), shape: [count])
    backend.geluForward(single, input: single, count: count)
    #expect(relativeError(values(single), gelu(input)) < 1e-6)
}

@Test func geluBackwardMatchesFiniteDifferences() {
    let input = randomValues(count, seed: 2, scale: 4), projection = randomValues(count, seed: 3)
    let gradient = backend.makeTensor(shape: [count], dtype: .float64)
    backend.geluBackward(gradient, outputGradient: tensor(projection, [count]), input: tensor(input, [count]),
                         count: count)
    let numeric = numericalGradient(at: input) { weightedSum(gelu($0), projection) }
    #expect(relativeError(values(gradient), numeric) < 1e-6)
}

@Test func reluForwardAndBackwardMatchNaive() {
    let input = randomValues(count, seed: 4), projection = randomValues(count, seed: 5)
    let output = backend.makeTensor(shape: [count], dtype: .float64)
    backend.reluForward(output, input: tensor(input, [count]), count: count)
    #expect(values(output) == input.map { max($0, 0) })
    let gradient = backend.makeTensor(shape: [count], dtype: .float64)
    backend.reluBackward(gradient, outputGradient: tensor(projection, [count]), input: tensor(input, [count]),
                         count: count)
    #expect(values(gradient) == zip(input, projection).map { $0 > 0 ? $1 : 0 })
}
