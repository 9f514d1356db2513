import Testing
import RecutCore
import RecutCPU

@Test func dropoutKeepsTheHashedElementsAndScalesThem() {
    let count = 100_000, probability = 0.2, seed: UInt64 = 42
    let input = randomValues(count, seed: 1)
    let output = backend.makeTensor(shape: [count], dtype: .float64)
    backend.dropoutForward(output, input: tensor(input, [count]), count: count, probability: probability, seed: seed)
    let expected = input.indices.map {
        DropoutMask.keeps(seed: seed, index: $0, probability: probability) ? input[$0] * (1 / (1 - probability)) : 0
    }
    #expect(relativeError(values(output), expected) < 1e-15)
    let dropped = values(output).filter { $0 == 0 }.count
    #expect(abs(Double(dropped) / Double(count) - probability) < 0.01)

    let gradient = backend.makeTensor(shape: [count], dtype: .float64)
    backend.dropoutBackward(gradient, outputGradient: tensor(input, [count]), count: count,
                            probability: probability, seed: seed)
    #expect(relativeError(values(gradient), expected) < 1e-15)
}

@Test func dropoutMasksDifferAcrossSeedsAndSites() {
    let first = (0..<1000).map { DropoutMask.keeps(seed: 1, index: $0, probability: 0.5) }
    let second = (0..<1000).map { DropoutMask.keeps(seed: 2, index: $0, probability: 0.5) }
    #expect(first != second)
    #expect(DropoutMask.siteSeed(step: 7, site: 0) != DropoutMask.siteSeed(step: 7, site: 1))
}
