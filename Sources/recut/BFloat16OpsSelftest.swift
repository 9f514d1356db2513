import RecutCore

/// The mixed-precision checks of the selftest: every non-attention, non-loss op with the
/// operand dtypes of `MixedPrecision`, on the subject against the float64 CPU reference.
///
/// Inputs are rounded to bfloat16 before both sides see them, so the error measures the
/// subject's float32 arithmetic and its rounding of bfloat16 outputs (threshold 1e-2).
extension BackendSelftest {
    func checkBFloat16Ops() {
        checkBFloat16Matmul()
        checkBFloat16Elementwise()
        checkBFloat16LayerNorm()
        checkBFloat16Activations()
        checkBFloat16Dropout()
    }

    /// Activation products (bfloat16 output) and weight-gradient products (float32 output,
    /// accumulated with beta 1), in every transpose and one strided batch.
    private func checkBFloat16Matmul() {
        let (m, n, k) = (70, 90, 130)
        let settings: [(transposeA: Bool, transposeB: Bool, beta: Double, output: DType)] = [
            (false, false, 0, .bfloat16), (false, true, 0, .bfloat16), (true, false, 1, .float32),
            (true, true, 0.5, .bfloat16), (false, true, 0, .float32),
        ]
        for setting in settings {
            let a = randomPair(setting.transposeA ? [k, m] : [m, k], dtype: .bfloat16)
            let b = randomPair(setting.transposeB ? [n, k] : [k, n], dtype: .bfloat16)
            let output = setting.beta == 0 ? poisoned([m, n], dtype: setting.output)
                                           : randomPair([m, n], dtype: setting.output)
            for (backend, o, x, y) in [(subject, output.subject, a.subject, b.subject),
                                       (reference as any Backend, output.reference, a.reference, b.reference)] {
                backend.matmul(o, x, y, rows: m, columns: n, inner: k, transposeA: setting.transposeA,
                               transposeB: setting.transposeB, alpha: 0.75, beta: setting.beta)
            }
            let name = "\(setting.transposeA ? "T" : "N")\(setting.transposeB ? "T" : "N") beta=\(setting.beta)"
            record("bf16 matmul \(name) -> \(setting.output)", [output], threshold: Self.bfloat16Threshold)
        }
        let batches = 3, (rows, columns, inner) = (33, 47, 64)
        let a = randomPair([batches, inner, rows], dtype: .bfloat16)
        let b = randomPair([batches, inner, columns], dtype: .bfloat16)
        let output = poisoned([batches, rows, columns], dtype: .bfloat16)
        for (backend, o, x, y) in [(subject, output.subject, a.subject, b.subject),
                                   (reference as any Backend, output.reference, a.reference, b.reference)] {
            backend.batchedMatmul(o, x, y, rows: rows, columns: columns, inner: inner, transposeA: true, transposeB: false,
                                  alpha: 1, beta: 0, batchCount: batches, outputStride: rows * columns,
                                  aStride: inner * rows, bStride: inner * columns)
        }
        record("bf16 batchedMatmul TN x3 -> bfloat16", [output], threshold: Self.bfloat16Threshold)
    }

    /// add (float32 residual plus a bfloat16 branch), addBias and biasBackward on bfloat16
    /// activations, and embeddingForward from a bfloat16 table into float32 and into bfloat16.
    private func checkBFloat16Elementwise() {
        let count = 10_000
        let a = randomPair([count]), b = randomPair([count], dtype: .bfloat16)
        let sum = poisoned([count])
        subject.add(sum.subject, a.subject, b.subject, count: count)
        reference.add(sum.reference, a.reference, b.reference, count: count)
        record("bf16 add (float32 + bfloat16)", [sum], threshold: Self.bfloat16Threshold)

        let (rows, columns) = (257, 77)
        let output = randomPair([rows, columns], dtype: .bfloat16), bias = randomPair([columns])
        subject.addBias(output.subject, bias: bias.subject, rows: rows, columns: columns)
        reference.addBias(output.reference, bias: bias.reference, rows: rows, columns: columns)
        record("bf16 addBias", [output], threshold: Self.bfloat16Threshold)
        let outputGradient = randomPair([rows, columns], dtype: .bfloat16), biasGradient = randomPair([columns])
        subject.biasBackward(biasGradient.subject, outputGradient: outputGradient.subject, rows: rows, columns: columns)
        reference.biasBackward(biasGradient.reference, outputGradient: outputGradient.reference, rows: rows,
                               columns: columns)
        record("bf16 biasBackward", [biasGradient], threshold: Self.bfloat16Threshold)

        let (tableRows, dimension, idCount) = (50, 48, 400)
        let table = randomPair([tableRows, dimension], dtype: .bfloat16)
        let (subjectIDs, referenceIDs) = idPair((0..<idCount).map { _ in Int32(generator.next(below: tableRows)) })
        let gathered = poisoned([idCount, dimension])
        subject.embeddingForward(gathered.subject, ids: subjectIDs, table: table.subject, count: idCount,
                                 dimension: dimension)
        reference.embeddingForward(gathered.reference, ids: referenceIDs, table: table.reference, count: idCount,
                                   dimension: dimension)
        record("bf16 embeddingForward (bfloat16 table)", [gathered], threshold: Self.bfloat16Threshold)
        let gatheredRows = poisoned([idCount, dimension], dtype: .bfloat16)
        subject.embeddingForward(gatheredRows.subject, ids: subjectIDs, table: table.subject, count: idCount,
                                 dimension: dimension)
        reference.embeddingForward(gatheredRows.reference, ids: referenceIDs, table: table.reference, count: idCount,
                                   dimension: dimension)
        record("bf16 embeddingForward (bfloat16 table into bfloat16)", [gatheredRows], threshold: 0)
    }

    /// A bfloat16 normalised output from float32 input and statistics, and the backward
    /// from a bfloat16 output gradient into float32 gradients.
    private func checkBFloat16LayerNorm() {
        let (rows, dimension) = (300, 96)
        let input = randomPair([rows, dimension], scale: 2, offset: 0.5)
        let weight = randomPair([dimension], scale: 0.5, offset: 1), bias = randomPair([dimension], scale: 0.5)
        let output = poisoned([rows, dimension], dtype: .bfloat16), mean = poisoned([rows]), rstd = poisoned([rows])
        subject.layerNormForward(output.subject, mean: mean.subject, reciprocalStandardDeviation: rstd.subject,
                                 input: input.subject, weight: weight.subject, bias: bias.subject,
                                 rows: rows, dimension: dimension, epsilon: 1e-5)
        reference.layerNormForward(output.reference, mean: mean.reference, reciprocalStandardDeviation: rstd.reference,
                                   input: input.reference, weight: weight.reference, bias: bias.reference,
                                   rows: rows, dimension: dimension, epsilon: 1e-5)
        record("bf16 layerNormForward", [output, mean, rstd], threshold: Self.bfloat16Threshold)
        let outputGradient = randomPair([rows, dimension], dtype: .bfloat16)
        let inputGradient = randomPair([rows, dimension]), weightGradient = randomPair([dimension])
        let biasGradient = randomPair([dimension])
        subject.layerNormBackward(inputGradient.subject, weightGradient: weightGradient.subject,
                                  biasGradient: biasGradient.subject, outputGradient: outputGradient.subject,
                                  input: input.subject, weight: weight.subject, mean: mean.subject,
                                  reciprocalStandardDeviation: rstd.subject, rows: rows, dimension: dimension)
        reference.layerNormBackward(inputGradient.reference, weightGradient: weightGradient.reference,
                                    biasGradient: biasGradient.reference, outputGradient: outputGradient.reference,
                                    input: input.reference, weight: weight.reference, mean: mean.reference,
                                    reciprocalStandardDeviation: rstd.reference, rows: rows, dimension: dimension)
        record("bf16 layerNormBackward d input", [inputGradient], threshold: Self.bfloat16Threshold)
        record("bf16 layerNormBackward d weight, d bias", [weightGradient, biasGradient],
               threshold: Self.bfloat16Threshold)
    }

    /// GELU and ReLU with every operand bfloat16, over a count that is not a multiple of 8
    /// (the CUDA kernels finish vectors of 8 one element at a time), and once on views that
    /// start 2 bytes past 16-byte alignment (no vectors at all).
    private func checkBFloat16Activations() {
        let count = 5003
        let input = randomPair([count], scale: 4, dtype: .bfloat16)
        let outputGradient = randomPair([count], dtype: .bfloat16)
        for (name, forward, backward) in [
            ("gelu", { (b: any Backend, o: Tensor, i: Tensor) in b.geluForward(o, input: i, count: count) },
             { (b: any Backend, g: Tensor, d: Tensor, i: Tensor) in
                 b.geluBackward(g, outputGradient: d, input: i, count: count) }),
            ("relu", { (b: any Backend, o: Tensor, i: Tensor) in b.reluForward(o, input: i, count: count) },
             { (b: any Backend, g: Tensor, d: Tensor, i: Tensor) in
                 b.reluBackward(g, outputGradient: d, input: i, count: count) }),
        ] {
            let output = poisoned([count], dtype: .bfloat16), inputGradient = poisoned([count], dtype: .bfloat16)
            forward(subject, output.subject, input.subject)
            forward(reference, output.reference, input.reference)
            record("bf16 \(name)Forward", [output], threshold: Self.bfloat16Threshold)
            backward(subject, inputGradient.subject, outputGradient.subject, input.subject)
            backward(reference, inputGradient.reference, outputGradient.reference, input.reference)
            record("bf16 \(name)Backward", [inputGradient], threshold: Self.bfloat16Threshold)
        }
        let inputGradient = poisoned([count], dtype: .bfloat16)
        func unaligned(_ tensor: Tensor) -> Tensor { tensor.view(offset: 1, shape: [count - 1]) }
        for (backend, g, d, i) in [(subject, inputGradient.subject, outputGradient.subject, input.subject),
                                   (reference as any Backend, inputGradient.reference, outputGradient.reference,
                                    input.reference)] {
            backend.geluBackward(unaligned(g), outputGradient: unaligned(d), input: unaligned(i), count: count - 1)
        }
        let written = Pair(subject: unaligned(inputGradient.subject), reference: unaligned(inputGradient.reference))
        record("bf16 geluBackward (unaligned views)", [written], threshold: Self.bfloat16Threshold)
    }

    /// Dropout forward on bfloat16, and backward into a bfloat16 input gradient from a
    /// bfloat16 and from a float32 output gradient. Inputs are in 1...3, so one element
    /// masked differently from the reference gives an error above the threshold.
    private func checkBFloat16Dropout() {
        let count = 20_003, probability = 0.1, seed = generator.next()
        let input = randomPair([count], offset: 2, dtype: .bfloat16)
        let output = poisoned([count], dtype: .bfloat16)
        subject.dropoutForward(output.subject, input: input.subject, count: count, probability: probability, seed: seed)
        reference.dropoutForward(output.reference, input: input.reference, count: count, probability: probability,
                                 seed: seed)
        record("bf16 dropoutForward", [output], threshold: Self.bfloat16Threshold)
        for gradientDType in [DType.bfloat16, .float32] {
            let outputGradient = randomPair([count], offset: 2, dtype: gradientDType)
            let inputGradient = poisoned([count], dtype: .bfloat16)
            subject.dropoutBackward(inputGradient.subject, outputGradient: outputGradient.subject, count: count,
                                    probability: probability, seed: seed)
            reference.dropoutBackward(inputGradient.reference, outputGradient: outputGradient.reference, count: count,
                                      probability: probability, seed: seed)
            record("bf16 dropoutBackward (from \(gradientDType))", [inputGradient], threshold: Self.bfloat16Threshold)
        }
    }
}
