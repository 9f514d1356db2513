import Foundation
import RecutCore
import RecutCPU
import RecutCUDA
import RecutData

/// One line of the selftest table.
struct SelftestResult {
    var operation: String
    var error: Double
    var threshold: Double
    var passed: Bool { error.isFinite && error <= threshold }
}

/// Runs every `Backend` op on a backend under test (in float32, and with the operand dtypes
/// of `MixedPrecision`) and on the CPU reference (float64) with the same random inputs,
/// rounded to the subject's dtype, and compares the outputs.
///
/// Outputs the op overwrites are poisoned with NaN on the subject first, so an element the
/// op fails to write shows up as a failure; outputs the op accumulates into start from the
/// same random values on both sides.
final class BackendSelftest {
    /// The float32 threshold on max|out - ref| / max|ref|.
    static let float32Threshold = 1e-5
    /// The threshold for ops whose operands or outputs are bfloat16.
    static let bfloat16Threshold = 1e-2

    let subject: any Backend
    let reference: CPUBackend
    var generator: SplitMix64
    var results: [SelftestResult] = []

    init(subject: any Backend, reference: CPUBackend, seed: UInt64) {
        self.subject = subject
        self.reference = reference
        generator = SplitMix64(seed: seed)
    }

    /// A float32 or bfloat16 tensor on the subject and a float64 tensor on the reference, with equal values.
    struct Pair {
        var subject: Tensor
        var reference: Tensor
    }

    func random(_ count: Int, scale: Double = 1, offset: Double = 0) -> [Double] {
        (0..<count).map { _ in Double(Float(offset + (generator.nextUnit() * 2 - 1) * scale)) }
    }

    /// `values` as a `dtype` tensor on the subject and float64 on the reference; for bfloat16
    /// the values are rounded first, so that both sides hold the same numbers.
    func pair(_ values: [Double], _ shape: [Int], dtype: DType = .float32) -> Pair {
        let exact = dtype == .bfloat16 ? values.map(BFloat16.rounded) : values
        let subjectTensor = subject.makeTensor(shape: shape, dtype: dtype)
        subject.write(exact, into: subjectTensor)
        return Pair(subject: subjectTensor, reference: reference.upload(exact, shape: shape))
    }

    func randomPair(_ shape: [Int], scale: Double = 1, offset: Double = 0, dtype: DType = .float32) -> Pair {
        pair(random(shape.reduce(1, *), scale: scale, offset: offset), shape, dtype: dtype)
    }

    /// An output pair: NaN on the subject (of `dtype`), zeros on the reference.
    func poisoned(_ shape: [Int], dtype: DType = .float32) -> Pair {
        let subjectTensor = subject.makeTensor(shape: shape, dtype: dtype)
        subject.fill(subjectTensor, with: .nan)
        return Pair(subject: subjectTensor, reference: reference.makeTensor(shape: shape, dtype: .float64))
    }

    func idPair(_ ids: [Int32]) -> (Tensor, Tensor) {
        (subject.upload(ids, shape: [ids.count]), reference.upload(ids, shape: [ids.count]))
    }

    /// max|out - ref| / max|ref| over all outputs together; NaN anywhere gives NaN.
    static func relativeError(_ actual: [Double], _ expected: [Double]) -> Double {
        var difference = 0.0, magnitude = 0.0
        for (a, b) in zip(actual, expected) {
            if a.isNaN || b.isNaN { return .nan }
            difference = max(difference, abs(a - b))
            magnitude = max(magnitude, abs(b))
        }
        return difference / max(magnitude, 1e-300)
    }

    func record(_ operation: String, _ outputs: [Pair], threshold: Double = float32Threshold) {
        var actual: [Double] = [], expected: [Double] = []
        for output in outputs {
            actual += subject.download(output.subject) as [Double]
            expected += reference.download(output.reference) as [Double]
        }
        results.append(SelftestResult(operation: operation, error: Self.relativeError(actual, expected), threshold: threshold))
    }

    /// The threshold of a check whose operands or outputs are `dtype` (bfloat16 in mixed precision).
    static func threshold(for dtype: DType) -> Double {
        dtype == .bfloat16 ? bfloat16Threshold : float32Threshold
    }

    /// A check's name: `operation` in float32; in mixed precision (`dtype` bfloat16) prefixed
    /// with "bf16 " and followed by `mixed`, which tells the operands that stay float32 where
    /// the name must.
    static func name(_ operation: String, _ dtype: DType, mixed: String = "") -> String {
        dtype == .bfloat16 ? "bf16 " + operation + mixed : operation
    }

    /// Runs every check and returns one result per line of the table.
    func run() -> [SelftestResult] {
        checkMemory()
        // Each op in float32, then with the operand dtypes of `MixedPrecision`.
        for dtype in [DType.float32, .bfloat16] {
            checkMatmul(dtype: dtype)
            checkAdd(dtype: dtype)
            checkEmbeddingForward(dtype: dtype)
            checkLayerNorm(dtype: dtype)
            checkBias(dtype: dtype)
            checkActivations(dtype: dtype)
            checkDropout(dtype: dtype)
        }
        checkScaling()
        checkEmbeddingBackward()
        checkRows()
        // Head sizes 16 and 64 (fused on CUDA) over partial and whole 32-row tiles; 128 (unfused).
        let attentionShapes = [(3, 37, 4, 64, 0.0), (3, 37, 4, 64, 0.1), (2, 96, 1, 64, 0.2), (2, 45, 1, 128, 0.1)]
        for dtype in [DType.float32, .bfloat16] {
            for (batch, length, heads, dimension, dropout) in attentionShapes {
                checkAttention(batch: batch, length: length, heads: heads, dimension: dimension, dropout: dropout,
                               dtype: dtype)
            }
        }
        // Heads of 64 on CUDA's tensor cores over partial 64-row tiles, with one and two heads.
        checkAttention(batch: 2, length: 200, heads: 1, dimension: 64, dropout: 0.2, dtype: .bfloat16)
        checkAttention(batch: 2, length: 130, heads: 2, dimension: 128, dropout: 0.1, dtype: .bfloat16)
        checkAdamW()
        checkStepGate()
        checkStagedWrites()
        if let lossSubject = subject as? any LossBackend {
            for dtype in [DType.float32, .bfloat16] { checkLosses(lossSubject, dtype: dtype) }
            checkLossReductions(lossSubject)
            checkNegativeSampling(lossSubject)
            checkBFloat16LossClasses(lossSubject)
            if let fusedSubject = subject as? any FusedLossBackend {
                checkFusedLosses(fusedSubject)
                checkBFloat16FusedPasses(fusedSubject)
                checkDrawnNegatives(fusedSubject)
            }
            if let cuda = subject as? CUDABackend { checkPerPositionIDRanges(cuda) }
            checkTrainingStep(lossSubject, precision: .float32)
            checkTrainingStep(lossSubject, precision: .bfloat16)
        }
        if let rankingSubject = subject as? any RankingBackend { checkRanking(rankingSubject) }
        return results
    }

    private func checkMemory() {
        let values = random(1000)
        let source = pair(values, [1000])
        let copied = poisoned([1000])
        subject.copy(copied.subject, from: source.subject)
        reference.copy(copied.reference, from: source.reference)
        record("upload, download, copy", [copied], threshold: 0)
        let wide = subject.makeTensor(shape: [1000], dtype: .float64)
        subject.copy(wide, from: source.subject)
        let narrow = poisoned([1000])
        subject.copy(narrow.subject, from: wide)
        reference.copy(narrow.reference, from: source.reference)
        record("copy float32 <-> float64", [narrow], threshold: 0)
        let filled = poisoned([777])
        subject.fill(filled.subject, with: 0.25)
        reference.fill(filled.reference, with: 0.25)
        record("fill", [filled], threshold: 0)
    }

    /// Every transpose and one strided batch, with `dtype` operands. In mixed precision,
    /// activation products write bfloat16 and weight-gradient products float32 (accumulated
    /// with beta 1); the batch writes activations.
    private func checkMatmul(dtype: DType) {
        let (m, n, k) = (70, 90, 130)
        let settings: [(transposeA: Bool, transposeB: Bool, beta: Double, output: DType)] = dtype == .float32
            ? [(false, false, 0, .float32), (false, true, 1, .float32), (true, false, 0, .float32),
               (true, true, 0.5, .float32)]
            : [(false, false, 0, .bfloat16), (false, true, 0, .bfloat16), (true, false, 1, .float32),
               (true, true, 0.5, .bfloat16), (false, true, 0, .float32)]
        for setting in settings {
            let a = randomPair(setting.transposeA ? [k, m] : [m, k], dtype: dtype)
            let b = randomPair(setting.transposeB ? [n, k] : [k, n], dtype: dtype)
            let output = setting.beta == 0 ? poisoned([m, n], dtype: setting.output)
                                           : randomPair([m, n], dtype: setting.output)
            for (backend, o, x, y) in [(subject, output.subject, a.subject, b.subject),
                                       (reference as any Backend, output.reference, a.reference, b.reference)] {
                backend.matmul(o, x, y, rows: m, columns: n, inner: k, transposeA: setting.transposeA,
                               transposeB: setting.transposeB, alpha: 0.75, beta: setting.beta)
            }
            let transposes = "\(setting.transposeA ? "T" : "N")\(setting.transposeB ? "T" : "N")"
            record(Self.name("matmul \(transposes) beta=\(setting.beta)", dtype, mixed: " -> \(setting.output)"), [output],
                   threshold: Self.threshold(for: dtype))
        }
        let batches = 3, (rows, columns, inner) = (33, 47, 64)
        let a = randomPair([batches, inner, rows], dtype: dtype), b = randomPair([batches, inner, columns], dtype: dtype)
        let output = poisoned([batches, rows, columns], dtype: dtype)
        for (backend, o, x, y) in [(subject, output.subject, a.subject, b.subject),
                                   (reference as any Backend, output.reference, a.reference, b.reference)] {
            backend.batchedMatmul(o, x, y, rows: rows, columns: columns, inner: inner, transposeA: true, transposeB: false,
                                  alpha: 1, beta: 0, batchCount: batches, outputStride: rows * columns,
                                  aStride: inner * rows, bStride: inner * columns)
        }
        record(Self.name("batchedMatmul TN x3", dtype, mixed: " -> \(dtype)"), [output],
               threshold: Self.threshold(for: dtype))
    }

    /// A float32 residual plus a `dtype` branch into float32.
    private func checkAdd(dtype: DType) {
        let count = 10_000
        let a = randomPair([count]), b = randomPair([count], dtype: dtype)
        let sum = poisoned([count])
        subject.add(sum.subject, a.subject, b.subject, count: count)
        reference.add(sum.reference, a.reference, b.reference, count: count)
        record(Self.name("add", dtype, mixed: " (float32 + bfloat16)"), [sum], threshold: Self.threshold(for: dtype))
    }

    private func checkScaling() {
        let count = 10_000
        let a = randomPair([count]), b = randomPair([count])
        let accumulated = randomPair([count])
        subject.addScaled(accumulated.subject, a.subject, scale: -0.5, count: count)
        reference.addScaled(accumulated.reference, a.reference, scale: -0.5, count: count)
        record("addScaled", [accumulated])
        subject.scale(b.subject, by: 3, count: count)
        reference.scale(b.reference, by: 3, count: count)
        record("scale", [b])
        let squares = subject.sumOfSquares(a.subject, count: count)
        let expected = reference.sumOfSquares(a.reference, count: count)
        results.append(SelftestResult(operation: "sumOfSquares", error: abs(squares - expected) / expected,
                                      threshold: Self.float32Threshold))
    }

    /// Rows of a `dtype` table gathered into float32 rows (the residual stream) and, in mixed
    /// precision, into bfloat16 rows, which copy the table's values exactly.
    private func checkEmbeddingForward(dtype: DType) {
        let (rows, dimension, count) = (50, 48, 400)
        let table = randomPair([rows, dimension], dtype: dtype)
        let (subjectIDs, referenceIDs) = idPair((0..<count).map { _ in Int32(generator.next(below: rows)) })
        let outputs: [(dtype: DType, mixed: String, threshold: Double)] = dtype == .float32
            ? [(.float32, "", Self.float32Threshold)]
            : [(.float32, " (bfloat16 table)", Self.bfloat16Threshold), (.bfloat16, " (bfloat16 table into bfloat16)", 0)]
        for output in outputs {
            let gathered = poisoned([count, dimension], dtype: output.dtype)
            subject.embeddingForward(gathered.subject, ids: subjectIDs, table: table.subject, count: count,
                                     dimension: dimension)
            reference.embeddingForward(gathered.reference, ids: referenceIDs, table: table.reference, count: count,
                                       dimension: dimension)
            record(Self.name("embeddingForward", dtype, mixed: output.mixed), [gathered], threshold: output.threshold)
        }
    }

    /// The table gradient's scatter-add, float32 in both precisions.
    private func checkEmbeddingBackward() {
        let (rows, dimension, count) = (50, 48, 400)
        let (subjectIDs, referenceIDs) = idPair((0..<count).map { _ in Int32(generator.next(below: rows)) })
        let gradient = randomPair([count, dimension])
        let tableGradient = randomPair([rows, dimension])
        subject.embeddingBackward(tableGradient.subject, outputGradient: gradient.subject, ids: subjectIDs, count: count,
                                  dimension: dimension, skipping: 0)
        reference.embeddingBackward(tableGradient.reference, outputGradient: gradient.reference, ids: referenceIDs,
                                    count: count, dimension: dimension, skipping: 0)
        record("embeddingBackward (scatter-add)", [tableGradient])
    }

    /// A `dtype` normalised output from float32 input and statistics, and the backward from a
    /// `dtype` output gradient into float32 gradients.
    private func checkLayerNorm(dtype: DType) {
        let (rows, dimension) = (300, 96)
        let threshold = Self.threshold(for: dtype)
        let input = randomPair([rows, dimension], scale: 2, offset: 0.5)
        let weight = randomPair([dimension], scale: 0.5, offset: 1), bias = randomPair([dimension], scale: 0.5)
        let output = poisoned([rows, dimension], dtype: dtype), mean = poisoned([rows]), rstd = poisoned([rows])
        subject.layerNormForward(output.subject, mean: mean.subject, reciprocalStandardDeviation: rstd.subject,
                                 input: input.subject, weight: weight.subject, bias: bias.subject,
                                 rows: rows, dimension: dimension, epsilon: 1e-5)
        reference.layerNormForward(output.reference, mean: mean.reference, reciprocalStandardDeviation: rstd.reference,
                                   input: input.reference, weight: weight.reference, bias: bias.reference,
                                   rows: rows, dimension: dimension, epsilon: 1e-5)
        record(Self.name("layerNormForward", dtype), [output, mean, rstd], threshold: threshold)
        let outputGradient = randomPair([rows, dimension], dtype: dtype)
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
        record(Self.name("layerNormBackward d input", dtype), [inputGradient], threshold: threshold)
        record(Self.name("layerNormBackward d weight, d bias", dtype), [weightGradient, biasGradient], threshold: threshold)
    }

    /// One causal attention check; the saved state is the backend's own (probabilities on
    /// the CPU, per-row statistics in fused kernels), so only outputs and gradients are compared.
    /// With `dtype` bfloat16, qkv, outputs and gradients are bfloat16 and the saved state float32
    /// (mixed precision), against the float64 reference on the same rounded inputs.
    private func checkAttention(batch: Int, length: Int, heads: Int, dimension: Int, dropout: Double,
                                dtype: DType) {
        let seed = generator.next()
        let threshold = Self.threshold(for: dtype)
        let qkv = randomPair([batch, length, 3 * dimension], dtype: dtype)
        let output = poisoned([batch, length, dimension], dtype: dtype)
        let subjectSaved = subject.makeTensor(
            shape: [subject.attentionSavedCount(batch: batch, length: length, heads: heads, dimension: dimension)],
            dtype: .float32)
        subject.fill(subjectSaved, with: .nan)
        let referenceSaved = reference.makeTensor(
            shape: [reference.attentionSavedCount(batch: batch, length: length, heads: heads, dimension: dimension)],
            dtype: .float64)
        let name = (dtype == .bfloat16 ? "bfloat16 " : "")
            + "B=\(batch) L=\(length) h=\(heads) d=\(dimension) dropout=\(dropout)"
        subject.attentionForward(output.subject, saved: subjectSaved, qkv: qkv.subject, batch: batch,
                                 length: length, heads: heads, dimension: dimension, dropout: dropout, seed: seed)
        reference.attentionForward(output.reference, saved: referenceSaved, qkv: qkv.reference,
                                   batch: batch, length: length, heads: heads, dimension: dimension,
                                   dropout: dropout, seed: seed)
        record("attentionForward \(name)", [output], threshold: threshold)
        let outputGradient = randomPair([batch, length, dimension], dtype: dtype)
        let qkvGradient = poisoned([batch, length, 3 * dimension], dtype: dtype)
        subject.attentionBackward(qkvGradient.subject, outputGradient: outputGradient.subject, qkv: qkv.subject,
                                  saved: subjectSaved, batch: batch, length: length, heads: heads,
                                  dimension: dimension, dropout: dropout, seed: seed)
        reference.attentionBackward(qkvGradient.reference, outputGradient: outputGradient.reference, qkv: qkv.reference,
                                    saved: referenceSaved, batch: batch, length: length, heads: heads,
                                    dimension: dimension, dropout: dropout, seed: seed)
        record("attentionBackward \(name)", [qkvGradient], threshold: threshold)
    }

    /// GELU and ReLU with every operand `dtype`, over a count that is not a multiple of 8 (the
    /// CUDA bfloat16 kernels finish vectors of 8 one element at a time); in mixed precision also
    /// on views that start 2 bytes past 16-byte alignment (no vectors at all).
    private func checkActivations(dtype: DType) {
        let count = 5003, threshold = Self.threshold(for: dtype)
        let input = randomPair([count], scale: 4, dtype: dtype), outputGradient = randomPair([count], dtype: dtype)
        for (name, forward, backward) in [
            ("gelu", { (b: any Backend, o: Tensor, i: Tensor) in b.geluForward(o, input: i, count: count) },
             { (b: any Backend, g: Tensor, d: Tensor, i: Tensor) in
                 b.geluBackward(g, outputGradient: d, input: i, count: count) }),
            ("relu", { (b: any Backend, o: Tensor, i: Tensor) in b.reluForward(o, input: i, count: count) },
             { (b: any Backend, g: Tensor, d: Tensor, i: Tensor) in
                 b.reluBackward(g, outputGradient: d, input: i, count: count) }),
        ] {
            let output = poisoned([count], dtype: dtype), inputGradient = poisoned([count], dtype: dtype)
            forward(subject, output.subject, input.subject)
            forward(reference, output.reference, input.reference)
            record(Self.name("\(name)Forward", dtype), [output], threshold: threshold)
            backward(subject, inputGradient.subject, outputGradient.subject, input.subject)
            backward(reference, inputGradient.reference, outputGradient.reference, input.reference)
            record(Self.name("\(name)Backward", dtype), [inputGradient], threshold: threshold)
        }
        guard dtype == .bfloat16 else { return }
        let inputGradient = poisoned([count], dtype: dtype)
        func unaligned(_ tensor: Tensor) -> Tensor { tensor.view(offset: 1, shape: [count - 1]) }
        for (backend, g, d, i) in [(subject, inputGradient.subject, outputGradient.subject, input.subject),
                                   (reference as any Backend, inputGradient.reference, outputGradient.reference,
                                    input.reference)] {
            backend.geluBackward(unaligned(g), outputGradient: unaligned(d), input: unaligned(i), count: count - 1)
        }
        let written = Pair(subject: unaligned(inputGradient.subject), reference: unaligned(inputGradient.reference))
        record(Self.name("geluBackward (unaligned views)", dtype), [written], threshold: threshold)
    }

    /// Dropout forward on `dtype`, and backward into a `dtype` input gradient from an output
    /// gradient of the same dtype and, in mixed precision, also from a float32 one. Inputs are
    /// in 1...3, so one element masked differently from the reference fails the check.
    private func checkDropout(dtype: DType) {
        let count = 20_003, probability = 0.1, seed = generator.next(), threshold = Self.threshold(for: dtype)
        let input = randomPair([count], offset: 2, dtype: dtype)
        let output = poisoned([count], dtype: dtype)
        subject.dropoutForward(output.subject, input: input.subject, count: count, probability: probability, seed: seed)
        reference.dropoutForward(output.reference, input: input.reference, count: count, probability: probability,
                                 seed: seed)
        record(Self.name("dropoutForward", dtype), [output], threshold: threshold)
        if dtype == .float32 {
            let subjectValues: [Double] = subject.download(output.subject)
            let referenceValues: [Double] = reference.download(output.reference)
            let mismatches = zip(subjectValues, referenceValues).filter { ($0 == 0) != ($1 == 0) }.count
            results.append(SelftestResult(operation: "dropout mask (fraction differing)",
                                          error: Double(mismatches) / Double(count), threshold: 0))
        }
        for gradientDType in dtype == .float32 ? [DType.float32] : [.bfloat16, .float32] {
            let outputGradient = randomPair([count], offset: 2, dtype: gradientDType)
            let inputGradient = poisoned([count], dtype: dtype)
            subject.dropoutBackward(inputGradient.subject, outputGradient: outputGradient.subject, count: count,
                                    probability: probability, seed: seed)
            reference.dropoutBackward(inputGradient.reference, outputGradient: outputGradient.reference, count: count,
                                      probability: probability, seed: seed)
            record(Self.name("dropoutBackward", dtype, mixed: " (from \(gradientDType))"), [inputGradient],
                   threshold: threshold)
        }
    }

    /// addBias on a `dtype` output with a float32 bias, and biasBackward from a `dtype` output
    /// gradient into a float32 bias gradient.
    private func checkBias(dtype: DType) {
        let (rows, columns) = (257, 77), threshold = Self.threshold(for: dtype)
        let output = randomPair([rows, columns], dtype: dtype), bias = randomPair([columns])
        subject.addBias(output.subject, bias: bias.subject, rows: rows, columns: columns)
        reference.addBias(output.reference, bias: bias.reference, rows: rows, columns: columns)
        record(Self.name("addBias", dtype), [output], threshold: threshold)
        let outputGradient = randomPair([rows, columns], dtype: dtype), biasGradient = randomPair([columns])
        subject.biasBackward(biasGradient.subject, outputGradient: outputGradient.subject, rows: rows, columns: columns)
        reference.biasBackward(biasGradient.reference, outputGradient: outputGradient.reference, rows: rows, columns: columns)
        record(Self.name("biasBackward", dtype), [biasGradient], threshold: threshold)
    }

    private func checkRows() {
        let rows = 257
        let logits = randomPair([rows, 1000], scale: 8)
        let probabilities = poisoned([rows, 1000]), logSumExp = poisoned([rows])
        subject.softmaxRows(probabilities.subject, input: logits.subject, rows: rows, columns: 1000)
        reference.softmaxRows(probabilities.reference, input: logits.reference, rows: rows, columns: 1000)
        record("softmaxRows", [probabilities])
        subject.logSumExpRows(logSumExp.subject, input: logits.subject, rows: rows, columns: 1000)
        reference.logSumExpRows(logSumExp.reference, input: logits.reference, rows: rows, columns: 1000)
        record("logSumExpRows", [logSumExp])
    }

    private func checkAdamW() {
        let count = 10_000
        let parameters = randomPair([count]), gradients = randomPair([count])
        let firstMoment = randomPair([count], scale: 0.1), secondMoment = randomPair([count], scale: 0.01, offset: 0.011)
        for (stepNumber, weightDecay) in [(1, 0.1), (7, 0.0)] {
            let step = AdamWStep(learningRate: 1e-3, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: weightDecay,
                                 step: stepNumber, gradientScale: 0.8)
            subject.adamW(parameters: parameters.subject, gradients: gradients.subject, firstMoment: firstMoment.subject,
                          secondMoment: secondMoment.subject, count: count, step: step)
            reference.adamW(parameters: parameters.reference, gradients: gradients.reference,
                            firstMoment: firstMoment.reference, secondMoment: secondMoment.reference,
                            count: count, step: step)
        }
        record("adamW parameters (2 steps)", [parameters])
        record("adamW moments (2 steps)", [firstMoment, secondMoment])
    }

    /// The gate of `--on-nonfinite skip-step`: closed by a NaN or infinity anywhere (float32 and
    /// float64 values), open otherwise; the loss joins the sum and AdamW updates only through an open gate.
    private func checkStepGate() {
        let count = 100_003
        var wrong = 0
        for dtype: DType in [.float32, .float64] {
            for bad in [nil, Double.nan, .infinity, -.infinity] {
                var values = (0..<count).map { Double($0 % 97) * 1e30 - 1e31 }
                if let bad { values[Int.random(in: 0..<count)] = bad }
                let tensor = dtype == .float32 ? subject.upload(values.map(Float.init), shape: [count])
                    : subject.upload(values, shape: [count])
                let gate = subject.upload([Float(1)], shape: [1])
                subject.clearGateIfNonFinite(gate, values: tensor, count: count)
                if ((subject.download(gate) as [Float])[0] == 1) != (bad == nil) { wrong += 1 }
            }
        }
        results.append(SelftestResult(operation: "clearGateIfNonFinite (f32, f64; NaN, +-inf)", error: Double(wrong),
                                      threshold: 0))

        let total = subject.upload([1.5], shape: [1]), skipped = subject.upload([0.0], shape: [1])
        for (loss, gate) in [(2.0, Float(1)), (Double.nan, 0), (4.0, 0.5), (8.0, 1)] {
            subject.commitGated(subject.upload([loss], shape: [1]), gate: subject.upload([gate], shape: [1]),
                                total: total, skipped: skipped)
        }
        let committed = (subject.download(total) as [Double])[0], skips = (subject.download(skipped) as [Double])[0]
        results.append(SelftestResult(operation: "commitGated", error: abs(committed - 11.5) + abs(skips - 2), threshold: 0))

        let parameters = randomPair([count]), gradients = randomPair([count])
        let firstMoment = randomPair([count], scale: 0.1), secondMoment = randomPair([count], scale: 0.01, offset: 0.011)
        let before: [Float] = subject.download(parameters.subject)
        let step = AdamWStep(learningRate: 1e-3, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.1, step: 3)
        subject.adamW(parameters: parameters.subject, gradients: gradients.subject, firstMoment: firstMoment.subject,
                      secondMoment: secondMoment.subject, count: count, step: step,
                      gate: subject.upload([Float(0.5)], shape: [1]))
        let closedChanged = zip(before, subject.download(parameters.subject) as [Float]).filter { $0 != $1 }.count
        results.append(SelftestResult(operation: "adamW through a closed gate (changed values)",
                                      error: Double(closedChanged), threshold: 0))
        subject.adamW(parameters: parameters.subject, gradients: gradients.subject, firstMoment: firstMoment.subject,
                      secondMoment: secondMoment.subject, count: count, step: step,
                      gate: subject.upload([Float(1)], shape: [1]))
        reference.adamW(parameters: parameters.reference, gradients: gradients.reference,
                        firstMoment: firstMoment.reference, secondMoment: secondMoment.reference, count: count, step: step)
        record("adamW through an open gate", [parameters, firstMoment, secondMoment])
    }

    /// The results as an aligned text table.
    static func table(_ results: [SelftestResult]) -> String {
        let width = max(results.map(\.operation.count).max() ?? 0, 2)
        func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(width - text.count, 0)) }
        var lines = [pad("op", width) + "  max rel. error  threshold  result"]
        lines.append(String(repeating: "-", count: width + 37))
        for result in results {
            lines.append(pad(result.operation, width) + "  " + pad(String(format: "%.3e", result.error), 14)
                         + " " + pad(String(format: "%.0e", result.threshold), 10) + " " + (result.passed ? "pass" : "FAIL"))
        }
        return lines.joined(separator: "\n")
    }
}
