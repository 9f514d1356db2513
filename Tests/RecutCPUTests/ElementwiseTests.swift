import Testing
import RecutCore
import RecutCPU

@Test func addAndAddScaledAndScaleMatchNaive() {
    let count = 100_000
    let a = randomValues(count, seed: 1), b = randomValues(count, seed: 2)
    let output = backend.makeTensor(shape: [count], dtype: .float64)
    backend.add(output, tensor(a, [count]), tensor(b, [count]), count: count)
    #expect(values(output) == zip(a, b).map { $0 + $1 })

    let accumulator = tensor(a, [count])
    backend.addScaled(accumulator, tensor(b, [count]), scale: -0.25, count: count)
    #expect(values(accumulator) == zip(a, b).map { $0 + -0.25 * $1 })

    backend.scale(accumulator, by: 3, count: count / 2)
    let scaled = values(accumulator)
    #expect(scaled[0] == (a[0] + -0.25 * b[0]) * 3)
    #expect(scaled[count - 1] == a[count - 1] + -0.25 * b[count - 1])
}

@Test func sumOfSquaresMatchesNaive() {
    let count = 70_001
    let a = randomValues(count, seed: 3)
    let expected = a.reduce(0) { $0 + $1 * $1 }
    #expect(abs(backend.sumOfSquares(tensor(a, [count]), count: count) - expected) / expected < 1e-12)
    let single = backend.upload(a.map(Float.init), shape: [count])
    #expect(abs(backend.sumOfSquares(single, count: count) - expected) / expected < 1e-6)
}

@Test func fillCopyAndConversionsRoundTrip() {
    let a = randomValues(10, seed: 4)
    let double = tensor(a, [10])
    let single = backend.makeTensor(shape: [10], dtype: .float32)
    backend.copy(single, from: double)
    let floats: [Float] = backend.download(single)
    #expect(floats == a.map(Float.init))
    backend.fill(double, with: 2.5)
    #expect(values(double) == [Double](repeating: 2.5, count: 10))
    let ids = backend.upload([Int32](arrayLiteral: 3, 1, 2), shape: [3])
    backend.write([Int32](arrayLiteral: 7), into: ids)
    let downloaded: [Int32] = backend.download(ids)
    #expect(downloaded == [7, 1, 2])
}
