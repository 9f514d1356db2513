import Foundation
import Testing
import RecutCore
import RecutCPU

@Test func biasAddAndBackwardMatchNaive() {
    let rows = 2000, columns = 33
    let input = randomValues(rows * columns, seed: 1), bias = randomValues(columns, seed: 2)
    let output = tensor(input, [rows, columns])
    backend.addBias(output, bias: tensor(bias, [columns]), rows: rows, columns: columns)
    #expect(values(output) == input.indices.map { input[$0] + bias[$0 % columns] })

    let gradient = tensor([Double](repeating: 0.5, count: columns), [columns])
    backend.biasBackward(gradient, outputGradient: tensor(input, [rows, columns]), rows: rows, columns: columns)
    let expected = (0..<columns).map { c in 0.5 + (0..<rows).reduce(0) { $0 + input[$1 * columns + c] } }
    #expect(relativeError(values(gradient), expected) < 1e-13)
}

@Test func softmaxAndLogSumExpMatchNaive() {
    let rows = 7, columns = 11
    let input = randomValues(rows * columns, seed: 3, scale: 30)
    let probabilities = backend.makeTensor(shape: [rows, columns], dtype: .float64)
    backend.softmaxRows(probabilities, input: tensor(input, [rows, columns]), rows: rows, columns: columns)
    let logSumExp = backend.makeTensor(shape: [rows], dtype: .float64)
    backend.logSumExpRows(logSumExp, input: tensor(input, [rows, columns]), rows: rows, columns: columns)
    var expectedProbabilities = [Double](), expectedLogSumExp = [Double]()
    for r in 0..<rows {
        let row = input[(r * columns)..<((r + 1) * columns)]
        let total = row.reduce(0) { $0 + exp($1) }
        expectedProbabilities += row.map { exp($0) / total }
        expectedLogSumExp.append(log(total))
    }
    #expect(relativeError(values(probabilities), expectedProbabilities) < 1e-13)
    #expect(relativeError(values(logSumExp), expectedLogSumExp) < 1e-14)
}
