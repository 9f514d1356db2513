import Foundation
import Testing
import RecutCore
import RecutCPU

private let rows = 6, dimension = 5

/// Runs layer norm forward in float64 and returns the output.
private func layerNorm(_ input: [Double], _ weight: [Double], _ bias: [Double]) -> [Double] {
    let output = backend.makeTensor(shape: [rows, dimension], dtype: .float64)
    backend.layerNormForward(output, mean: backend.makeTensor(shape: [rows], dtype: .float64),
                             reciprocalStandardDeviation: backend.makeTensor(shape: [rows], dtype: .float64),
                             input: tensor(input, [rows, dimension]), weight: tensor(weight, [dimension]),
                             bias: tensor(bias, [dimension]), rows: rows, dimension: dimension, epsilon: 1e-5)
    return values(output)
}

@Test func layerNormForwardMatchesNaive() {
    let input = randomValues(rows * dimension, seed: 1, scale: 3)
    let weight = randomValues(dimension, seed: 2), bias = randomValues(dimension, seed: 3)
    var expected = [Double]()
    for r in 0..<rows {
        let row = input[(r * dimension)..<((r + 1) * dimension)]
        let mean = row.reduce(0, +) / Double(dimension)
        let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(dimension)
        for (i, x) in row.enumerated() { expected.append((x - mean) / sqrt(variance + 1e-5) * weight[i] + bias[i]) }
    }
    #expect(relativeError(layerNorm(input, weight, bias), expected) < 1e-13)
}

@Test func layerNormBackwardMatchesFiniteDifferences() {
    let input = randomValues(rows * dimension, seed: 4, scale: 2)
    let weight = randomValues(dimension, seed: 5), bias = randomValues(dimension, seed: 6)
    let projection = randomValues(rows * dimension, seed: 7)
    let output = backend.makeTensor(shape: [rows, dimension], dtype: .float64)
    let mean = backend.makeTensor(shape: [rows], dtype: .float64)
    let rstd = backend.makeTensor(shape: [rows], dtype: .float64)
    let inputTensor = tensor(input, [rows, dimension]), weightTensor = tensor(weight, [dimension])
    backend.layerNormForward(output, mean: mean, reciprocalStandardDeviation: rstd, input: inputTensor,
                             weight: weightTensor, bias: tensor(bias, [dimension]),
                             rows: rows, dimension: dimension, epsilon: 1e-5)
    let existing = randomValues(rows * dimension, seed: 8)
    let inputGradient = tensor(existing, [rows, dimension])
    let weightGradient = tensor([Double](repeating: 1, count: dimension), [dimension])
    let biasGradient = backend.makeTensor(shape: [dimension], dtype: .float64)
    backend.layerNormBackward(inputGradient, weightGradient: weightGradient, biasGradient: biasGradient,
                              outputGradient: tensor(projection, [rows, dimension]), input: inputTensor,
                              weight: weightTensor, mean: mean, reciprocalStandardDeviation: rstd,
                              rows: rows, dimension: dimension)
    let numericInput = numericalGradient(at: input) { weightedSum(layerNorm($0, weight, bias), projection) }
    let numericWeight = numericalGradient(at: weight) { weightedSum(layerNorm(input, $0, bias), projection) }
    let numericBias = numericalGradient(at: bias) { weightedSum(layerNorm(input, weight, $0), projection) }
    #expect(relativeError(zip(values(inputGradient), existing).map { $0 - $1 }, numericInput) < 1e-6)
    #expect(relativeError(values(weightGradient).map { $0 - 1 }, numericWeight) < 1e-6)
    #expect(relativeError(values(biasGradient), numericBias) < 1e-6)
}
