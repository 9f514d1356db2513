import Foundation
import Testing
import RecutCore
import RecutCPU

private let batch = 2, length = 4, heads = 2, dimension = 6

/// Causal attention written out loop by loop, dropout from `DropoutMask`.
private func naiveAttention(_ qkv: [Double], dropout: Double, seed: UInt64) -> [Double] {
    let headSize = dimension / heads
    var output = [Double](repeating: 0, count: batch * length * dimension)
    for b in 0..<batch {
        for h in 0..<heads {
            func element(_ t: Int, _ part: Int, _ i: Int) -> Double {
                qkv[(b * length + t) * 3 * dimension + part * dimension + h * headSize + i]
            }
            for t in 0..<length {
                let scores = (0...t).map { s in
                    (0..<headSize).reduce(0) { $0 + element(t, 0, $1) * element(s, 1, $1) } / sqrt(Double(headSize))
                }
                let maximum = scores.max()!
                let total = scores.reduce(0) { $0 + exp($1 - maximum) }
                for s in 0...t {
                    let index = ((b * heads + h) * length + t) * length + s
                    let keep = DropoutMask.keeps(seed: seed, index: index, probability: dropout)
                    let weight = keep ? exp(scores[s] - maximum) / total / (1 - dropout) : 0
                    for i in 0..<headSize {
                        output[(b * length + t) * dimension + h * headSize + i] += weight * element(s, 2, i)
                    }
                }
            }
        }
    }
    return output
}

private func attention(_ qkv: [Double], dropout: Double, seed: UInt64) -> (output: [Double], probabilities: Tensor) {
    let output = backend.makeTensor(shape: [batch, length, dimension], dtype: .float64)
    let probabilities = backend.makeTensor(shape: [batch, heads, length, length], dtype: .float64)
    backend.attentionForward(output, saved: probabilities, qkv: tensor(qkv, [batch, length, 3 * dimension]),
                             batch: batch, length: length, heads: heads, dimension: dimension,
                             dropout: dropout, seed: seed)
    return (values(output), probabilities)
}

@Test(arguments: [0.0, 0.3])
func attentionForwardMatchesNaive(dropout: Double) {
    let qkv = randomValues(batch * length * 3 * dimension, seed: 1, scale: 2)
    #expect(relativeError(attention(qkv, dropout: dropout, seed: 9).output,
                          naiveAttention(qkv, dropout: dropout, seed: 9)) < 1e-13)
}

@Test(arguments: [0.0, 0.3])
func attentionBackwardMatchesFiniteDifferences(dropout: Double) {
    let qkv = randomValues(batch * length * 3 * dimension, seed: 2, scale: 2)
    let projection = randomValues(batch * length * dimension, seed: 3)
    let probabilities = attention(qkv, dropout: dropout, seed: 5).probabilities
    let gradient = backend.makeTensor(shape: [batch, length, 3 * dimension], dtype: .float64)
    backend.attentionBackward(gradient, outputGradient: tensor(projection, [batch, length, dimension]),
                              qkv: tensor(qkv, [batch, length, 3 * dimension]), saved: probabilities,
                              batch: batch, length: length, heads: heads, dimension: dimension,
                              dropout: dropout, seed: 5)
    let numeric = numericalGradient(at: qkv) { weightedSum(attention($0, dropout: dropout, seed: 5).output, projection) }
    #expect(relativeError(values(gradient), numeric) < 1e-6)
}

@Test func attentionFloat32MatchesFloat64() {
    let qkv = randomValues(batch * length * 3 * dimension, seed: 4, scale: 2)
    let output = backend.makeTensor(shape: [batch, length, dimension], dtype: .float32)
    backend.attentionForward(output, saved: backend.makeTensor(shape: [batch, heads, length, length], dtype: .float32),
                             qkv: backend.upload(qkv.map(Float.init), shape: [qkv.count]),
                             batch: batch, length: length, heads: heads, dimension: dimension, dropout: 0.1, seed: 3)
    #expect(relativeError(values(output), attention(qkv, dropout: 0.1, seed: 3).output) < 1e-5)
}
