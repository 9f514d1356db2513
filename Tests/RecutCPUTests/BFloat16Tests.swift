import Testing
import RecutCore
import RecutCPU

// bfloat16 rounding, CPU storage of bfloat16 tensors, and the CPU ops on the operand dtypes of
// the `MixedPrecision` table: each gives exactly the float32 op's result on the same numbers.

// MARK: Rounding

@Test func bfloat16BitsOfExactValues() {
    #expect(BFloat16.bits(1) == 0x3F80)
    #expect(BFloat16.bits(-3) == 0xC040)
    #expect(BFloat16.bits(0.5) == 0x3F00)
    #expect(BFloat16.bits(0) == 0x0000)
    #expect(BFloat16.bits(-0.0) == 0x8000)
    #expect(BFloat16.value(0x3F80) == 1)
    #expect(BFloat16.value(0xC040) == -3)
    #expect(BFloat16.value(0x4049) == 3.140625)
    #expect(BFloat16.value(0x8000).sign == .minus)
}

/// bfloat16 keeps 8 significand bits, so near 1 its spacing is 2^-7.
@Test func bfloat16RoundsToNearestWithTiesToEven() {
    let half: Float = 0x1p-8, nudge: Float = 0x1p-20
    #expect(BFloat16.bits(1 + half) == 0x3F80, "a tie rounds down to the even 1")
    #expect(BFloat16.bits(1 + 3 * half) == 0x3F82, "a tie rounds up to the even 1 + 2^-6")
    #expect(BFloat16.bits(1 + half + nudge) == 0x3F81, "above the tie rounds up")
    #expect(BFloat16.bits(1 + half - nudge) == 0x3F80, "below the tie rounds down")
    #expect(BFloat16.bits(-(1 + half)) == 0xBF80)
    #expect(BFloat16.bits(-(1 + 3 * half)) == 0xBF82)
    #expect(BFloat16.bits(-2.99) == 0xC03F)
    #expect(BFloat16.rounded(1 + 3.0 / 256) == 1 + 1.0 / 64)
    #expect(BFloat16.rounded(-1.00390625) == -1)
}

@Test func bfloat16KeepsInfinityAndNaN() {
    #expect(BFloat16.bits(.infinity) == 0x7F80)
    #expect(BFloat16.bits(-.infinity) == 0xFF80)
    #expect(BFloat16.value(0x7F80) == .infinity)
    #expect(BFloat16.value(0xFF80) == -.infinity)
    #expect(BFloat16.value(BFloat16.bits(.nan)).isNaN)
    #expect(BFloat16.value(BFloat16.bits(-.nan)).isNaN)
    // Payload only in the low 16 bits: truncation alone would make it infinity.
    #expect(BFloat16.value(BFloat16.bits(Float(bitPattern: 0x7F80_0001))).isNaN)
    #expect(BFloat16.value(BFloat16.bits(Float(bitPattern: 0xFF80_0001))).isNaN)
    #expect(BFloat16.rounded(.nan).isNaN)
}

@Test func bfloat16RoundsTheLargestFloatToInfinity() {
    #expect(BFloat16.bits(.greatestFiniteMagnitude) == 0x7F80)
    #expect(BFloat16.bits(-.greatestFiniteMagnitude) == 0xFF80)
    let largest = BFloat16.value(0x7F7F)
    #expect(largest.isFinite)
    #expect(BFloat16.bits(largest) == 0x7F7F)
}

// MARK: Storage

@Test func bfloat16WriteAndDownloadRound() {
    let floats: [Float] = [1, 1 + 1.0 / 256, 1 + 3.0 / 256, -2.99, 0, .infinity, 1e-3]
    let expected = floats.map { BFloat16.value(BFloat16.bits($0)) }
    let tensor = backend.makeTensor(shape: [floats.count], dtype: .bfloat16)
    backend.write(floats, into: tensor)
    #expect(backend.download(tensor) as [Float] == expected)
    #expect(backend.download(tensor) as [Double] == expected.map(Double.init))

    let doubles = randomValues(9, seed: 300)
    let written = backend.makeTensor(shape: [9], dtype: .bfloat16)
    backend.write(doubles, into: written)
    #expect(values(written) == doubles.map(BFloat16.rounded))
    backend.write([Float(5)], into: written.view(offset: 3, shape: [1]))
    #expect(values(written)[3] == 5)
    #expect(values(written)[4] == BFloat16.rounded(doubles[4]))
}

@Test func bfloat16FillRounds() {
    let tensor = backend.makeTensor(shape: [5], dtype: .bfloat16)
    let up: Double = 0x1.03p0, rounded: Double = 0x1.04p0
    backend.fill(tensor, with: up)
    #expect(values(tensor) == Array(repeating: rounded, count: 5), "1 + 3 * 2^-8 rounds up to 1 + 2^-6")
    backend.fill(tensor.view(offset: 1, shape: [2]), with: -0x1.01p0)
    let expected: [Double] = [rounded, -1, -1, rounded, rounded]
    #expect(values(tensor) == expected)
}

@Test func bfloat16CopiesCastBothWays() {
    let source = randomValues(12, seed: 301, scale: 10)
    let wide = backend.upload(source.map(Float.init), shape: [12])
    let narrow = backend.makeTensor(shape: [12], dtype: .bfloat16)
    backend.copy(narrow, from: wide)
    #expect(values(narrow) == source.map(BFloat16.rounded))

    let narrowCopy = backend.makeTensor(shape: [12], dtype: .bfloat16)
    backend.copy(narrowCopy, from: narrow)
    #expect(values(narrowCopy) == values(narrow))

    let widened = backend.makeTensor(shape: [12], dtype: .float32)
    backend.copy(widened, from: narrow)
    #expect(values(widened) == values(narrow))

    backend.copy(narrow.view(offset: 4, shape: [2]), from: backend.upload([Float(7), -8], shape: [2]))
    let afterView = values(narrow)
    let expected: [Double] = [BFloat16.rounded(source[3]), 7, -8, BFloat16.rounded(source[6])]
    #expect(Array(afterView[3...6]) == expected)
}

// MARK: Mixed-precision ops

/// One operand of a mixed-precision check: its dtype in the mixed run and its starting values,
/// bfloat16-exact where the dtype is bfloat16 so that both runs start from the same numbers.
private struct Operand {
    let dtype: DType
    let values: [Double]

    /// Seeded values in [-scale, scale), rounded to bfloat16 when `dtype` is.
    static func random(_ dtype: DType, _ count: Int, seed: UInt64, scale: Double = 1) -> Operand {
        let values = randomValues(count, seed: seed, scale: scale)
        return Operand(dtype: dtype, values: dtype == .bfloat16 ? values.map(BFloat16.rounded) : values)
    }

    /// int32 ids, the same in both runs.
    static func ids(_ ids: [Int32]) -> Operand { Operand(dtype: .int32, values: ids.map(Double.init)) }

    /// A tensor holding the values, in `dtype` (int32 stays int32).
    func upload(as dtype: DType) -> Tensor {
        let tensor = backend.makeTensor(shape: [values.count], dtype: self.dtype == .int32 ? .int32 : dtype)
        if self.dtype == .int32 {
            backend.write(values.map { Int32($0) }, into: tensor)
        } else {
            backend.write(values, into: tensor)
        }
        return tensor
    }
}

/// Runs `op` on the operands in their mixed dtypes and again all in float32, and expects every
/// floating-point operand afterwards to hold the float32 run's values, rounded where it is
/// bfloat16: outputs and accumulators written, inputs untouched.
private func expectMixedMatchesFloat32(_ name: String, _ operands: [Operand], _ op: ([Tensor]) -> Void) {
    let mixed = operands.map { $0.upload(as: $0.dtype) }
    let wide = operands.map { $0.upload(as: .float32) }
    #expect(mixed.contains(where: { $0.dtype == .bfloat16 }), "\(name) has a bfloat16 operand")
    op(mixed)
    op(wide)
    for (index, operand) in operands.enumerated() where operand.dtype != .int32 {
        let reference: [Float] = backend.download(wide[index])
        let expected = operand.dtype == .bfloat16 ? reference.map { BFloat16.value(BFloat16.bits($0)) } : reference
        #expect(backend.download(mixed[index]) as [Float] == expected, "\(name): operand \(index) (\(operand.dtype))")
    }
}

@Test func mixedMatmulMatchesFloat32() {
    // Activations: bfloat16 a, b and output.
    expectMixedMatchesFloat32("matmul into bfloat16", [
        .random(.bfloat16, 12, seed: 1), .random(.bfloat16, 15, seed: 2), .random(.bfloat16, 20, seed: 3),
    ]) { t in
        backend.matmul(t[0], t[1], t[2], rows: 3, columns: 4, inner: 5,
                       transposeA: false, transposeB: true, alpha: 1, beta: 0)
    }
    // Weight gradient: bfloat16 a, b accumulated into a float32 output.
    expectMixedMatchesFloat32("matmul accumulating into float32", [
        .random(.float32, 20, seed: 4), .random(.bfloat16, 15, seed: 5), .random(.bfloat16, 12, seed: 6),
    ]) { t in
        backend.matmul(t[0], t[1], t[2], rows: 5, columns: 4, inner: 3,
                       transposeA: true, transposeB: false, alpha: 0.5, beta: 1)
    }
}

@Test func mixedElementwiseOpsMatchFloat32() {
    expectMixedMatchesFloat32("add", [
        .random(.float32, 10, seed: 10), .random(.float32, 10, seed: 11), .random(.bfloat16, 10, seed: 12),
    ]) { t in backend.add(t[0], t[1], t[2], count: 9) }
    expectMixedMatchesFloat32("dropoutBackward", [.random(.bfloat16, 40, seed: 13), .random(.float32, 40, seed: 14)]) { t in
        backend.dropoutBackward(t[0], outputGradient: t[1], count: 40, probability: 0.3, seed: 15)
    }
    expectMixedMatchesFloat32("sumOfSquares", [.random(.bfloat16, 10, seed: 16)]) { t in
        #expect(backend.sumOfSquares(t[0], count: 10) == values(t[0]).reduce(0) { $0 + $1 * $1 })
    }
}

@Test func mixedBiasOpsMatchFloat32() {
    expectMixedMatchesFloat32("addBias", [.random(.bfloat16, 12, seed: 20), .random(.float32, 4, seed: 21)]) { t in
        backend.addBias(t[0], bias: t[1], rows: 3, columns: 4)
    }
    expectMixedMatchesFloat32("biasBackward", [.random(.float32, 4, seed: 22), .random(.bfloat16, 12, seed: 23)]) { t in
        backend.biasBackward(t[0], outputGradient: t[1], rows: 3, columns: 4)
    }
}

@Test func mixedLayerNormMatchesFloat32() {
    let rows = 3, dimension = 8
    expectMixedMatchesFloat32("layerNormForward", [
        .random(.bfloat16, rows * dimension, seed: 30), .random(.float32, rows, seed: 31),
        .random(.float32, rows, seed: 32), .random(.float32, rows * dimension, seed: 33),
        .random(.float32, dimension, seed: 34), .random(.float32, dimension, seed: 35),
    ]) { t in
        backend.layerNormForward(t[0], mean: t[1], reciprocalStandardDeviation: t[2], input: t[3], weight: t[4],
                                 bias: t[5], rows: rows, dimension: dimension, epsilon: 1e-5)
    }
    expectMixedMatchesFloat32("layerNormBackward", [
        .random(.float32, rows * dimension, seed: 36), .random(.float32, dimension, seed: 37),
        .random(.float32, dimension, seed: 38), .random(.bfloat16, rows * dimension, seed: 39),
        .random(.float32, rows * dimension, seed: 40), .random(.float32, dimension, seed: 41),
        .random(.float32, rows, seed: 42), Operand(dtype: .float32, values: [0.5, 1, 2]),
    ]) { t in
        backend.layerNormBackward(t[0], weightGradient: t[1], biasGradient: t[2], outputGradient: t[3], input: t[4],
                                  weight: t[5], mean: t[6], reciprocalStandardDeviation: t[7],
                                  rows: rows, dimension: dimension)
    }
}

@Test func mixedAttentionMatchesFloat32() {
    let batch = 2, length = 5, heads = 2, dimension = 8
    let saved = backend.attentionSavedCount(batch: batch, length: length, heads: heads, dimension: dimension)
    let qkv = Operand.random(.bfloat16, batch * length * 3 * dimension, seed: 50)
    expectMixedMatchesFloat32("attentionForward", [
        .random(.bfloat16, batch * length * dimension, seed: 51), .random(.float32, saved, seed: 52), qkv,
    ]) { t in
        backend.attentionForward(t[0], saved: t[1], qkv: t[2], batch: batch, length: length, heads: heads,
                                 dimension: dimension, dropout: 0.2, seed: 53)
    }
    // Causal softmax rows, so the backward pass sees probabilities like the forward pass saves.
    let probabilities = backend.makeTensor(shape: [saved], dtype: .float32)
    backend.attentionForward(backend.makeTensor(shape: [batch * length * dimension], dtype: .float32),
                             saved: probabilities, qkv: qkv.upload(as: .float32), batch: batch, length: length,
                             heads: heads, dimension: dimension, dropout: 0, seed: 0)
    expectMixedMatchesFloat32("attentionBackward", [
        .random(.bfloat16, qkv.values.count, seed: 54), .random(.bfloat16, batch * length * dimension, seed: 55),
        qkv, Operand(dtype: .float32, values: values(probabilities)),
    ]) { t in
        backend.attentionBackward(t[0], outputGradient: t[1], qkv: t[2], saved: t[3], batch: batch, length: length,
                                  heads: heads, dimension: dimension, dropout: 0.2, seed: 53)
    }
}

@Test func mixedSampledSoftmaxCrossEntropyMatchesFloat32() {
    let rows = 4, negatives = 6, itemCount = 12
    let targets: [Int32] = [3, 0, 7, 12]
    let negativeIDs: [Int32] = (0..<rows * negatives).map { Int32($0 * 5 % (itemCount + 1)) }
    // bfloat16 logits and log q (the logits' dtype), float32 losses.
    expectMixedMatchesFloat32("sampledSoftmaxCrossEntropy", [
        .random(.float32, rows, seed: 60), .random(.bfloat16, rows, seed: 61, scale: 3),
        .random(.bfloat16, rows * negatives, seed: 62, scale: 3), .ids(targets), .ids(negativeIDs),
        .random(.bfloat16, itemCount + 1, seed: 63),
    ]) { t in
        backend.sampledSoftmaxCrossEntropy(t[0], positiveLogits: t[1], negativeLogits: t[2], targets: t[3],
                                           negativeIDs: t[4], logQ: .perItem(t[5]), rows: rows,
                                           negatives: negatives, rowsPerNegativeRow: 1, gradientScale: 0.25)
    }
}

@Test func mixedSampledLogSumExpBackwardMatchesFloat32() {
    let rows = 4, negatives = 5, dimension = 8, itemCount = 10
    let targets: [Int32] = [2, 9, 0, 10]
    let negativeIDs: [Int32] = (0..<2 * negatives).map { Int32($0 * 3 % (itemCount + 1)) }
    // bfloat16 hidden, table and hidden gradient; float32 table gradient, statistics and log q.
    expectMixedMatchesFloat32("sampledLogSumExpBackward", [
        .random(.bfloat16, rows * dimension, seed: 70), .random(.float32, (itemCount + 1) * dimension, seed: 71),
        Operand(dtype: .float32, values: randomValues(rows, seed: 72).map { $0 + 3 }),
        .random(.float32, rows, seed: 73), .random(.bfloat16, rows * dimension, seed: 74),
        .random(.bfloat16, (itemCount + 1) * dimension, seed: 75), .ids(targets), .ids(negativeIDs),
        .random(.float32, 2 * negatives, seed: 76),
    ]) { t in
        backend.sampledLogSumExpBackward(hiddenGradient: t[0], tableGradient: t[1], logSumExp: t[2],
                                         positiveLogits: t[3], hidden: t[4], table: t[5], targets: t[6],
                                         negativeIDs: .stored(t[7]), logQ: .perNegative(t[8]), rows: rows,
                                         negatives: negatives, rowsPerNegativeRow: 2, dimension: dimension,
                                         gradientScale: 0.5, filterThreshold: 0)
    }
}
