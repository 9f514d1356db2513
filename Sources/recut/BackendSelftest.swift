import Foundation
import RecutCore
import RecutCPU
import RecutData

/// One line of the selftest table.
struct SelftestResult {
    var operation: String
    var error: Double
    var threshold: Double
    var passed: Bool { error.isFinite && error <= threshold }
}

/// Runs every `Backend` op on a backend under test (float32) and on the CPU reference
/// (float64) with the same float32-representable random inputs, and compares the outputs.
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

    /// A float32 tensor on the subject and a float64 tensor on the reference, with equal values.
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

    /// Runs every check and returns one result per line of the table.
    func run() -> [SelftestResult] {
        checkMemory()
        checkMatmul()
        checkElementwise()
        checkEmbedding()
        checkLayerNorm()
        // Head sizes 16 and 64 (fused on CUDA) over partial and whole 32-row tiles; 128 (unfused).
        let attentionShapes = [(3, 37, 4, 64, 0.0), (3, 37, 4, 64, 0.1), (2, 96, 1, 64, 0.2), (2, 45, 1, 128, 0.1)]
        for (batch, length, heads, dimension, dropout) in attentionShapes {
            checkAttention(batch: batch, length: length, heads: heads, dimension: dimension, dropout: dropout)
        }
        for (batch, length, heads, dimension, dropout) in attentionShapes {
            checkAttention(batch: batch, length: length, heads: heads, dimension: dimension, dropout: dropout,
                           dtype: .bfloat16)
        }
        // Heads of 64 on CUDA's tensor cores over partial 64-row tiles, with one and two heads.
        checkAttention(batch: 2, length: 200, heads: 1, dimension: 64, dropout: 0.2, dtype: .bfloat16)
        checkAttention(batch: 2, length: 130, heads: 2, dimension: 128, dropout: 0.1, dtype: .bfloat16)
        checkActivations()
        checkDropout()
        checkBiasAndRows()
        checkBFloat16Ops()
        checkAdamW()
        if let lossSubject = subject as? any LossBackend {
            checkLosses(lossSubject)
            checkBFloat16Losses(lossSubject)
            if let fusedSubject = subject as? any FusedLossBackend {
                checkFusedLosses(fusedSubject)
                checkBFloat16FusedTiles(fusedSubject)
            }
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

    private func checkMatmul() {
        let (m, n, k) = (70, 90, 130)
        for (transposeA, transposeB, beta) in [(false, false, 0.0), (false, true, 1.0), (true, false, 0.0), (true, true, 0.5)] {
            let a = randomPair(transposeA ? [k, m] : [m, k]), b = randomPair(transposeB ? [n, k] : [k, n])
            let output = beta == 0 ? poisoned([m, n]) : randomPair([m, n])
            for (backend, o, x, y) in [(subject, output.subject, a.subject, b.subject),
                                       (reference as any Backend, output.reference, a.reference, b.reference)] {
                backend.matmul(o, x, y, rows: m, columns: n, inner: k, transposeA: transposeA, transposeB: transposeB,
                               alpha: 0.75, beta: beta)
            }
            record("matmul \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") beta=\(beta)", [output])
        }
        let batches = 3, (rows, columns, inner) = (33, 47, 64)
        let a = randomPair([batches, inner, rows]), b = randomPair([batches, inner, columns])
        let output = poisoned([batches, rows, columns])
        for (backend, o, x, y) in [(subject, output.subject, a.subject, b.subject),
                                   (reference as any Backend, output.reference, a.reference, b.reference)] {
            backend.batchedMatmul(o, x, y, rows: rows, columns: columns, inner: inner, transposeA: true, transposeB: false,
                                  alpha: 1, beta: 0, batchCount: batches, outputStride: rows * columns,
                                  aStride: inner * rows, bStride: inner * columns)
        }
        record("batchedMatmul TN x3", [output])
    }

    private func checkElementwise() {
        let count = 10_000
        let a = randomPair([count]), b = randomPair([count])
        let sum = poisoned([count])
        subject.add(sum.subject, a.subject, b.subject, count: count)
        reference.add(sum.reference, a.reference, b.reference, count: count)
        record("add", [sum])
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

    private func checkEmbedding() {
        let (rows, dimension, count) = (50, 48, 400)
        let table = randomPair([rows, dimension])
        let ids = (0..<count).map { _ in Int32(generator.next(below: rows)) }
        let (subjectIDs, referenceIDs) = idPair(ids)
        let gathered = poisoned([count, dimension])
        subject.embeddingForward(gathered.subject, ids: subjectIDs, table: table.subject, count: count, dimension: dimension)
        reference.embeddingForward(gathered.reference, ids: referenceIDs, table: table.reference, count: count,
                                   dimension: dimension)
        record("embeddingForward", [gathered])
        let gradient = randomPair([count, dimension])
        let tableGradient = randomPair([rows, dimension])
        subject.embeddingBackward(tableGradient.subject, outputGradient: gradient.subject, ids: subjectIDs, count: count,
                                  dimension: dimension, skipping: 0)
        reference.embeddingBackward(tableGradient.reference, outputGradient: gradient.reference, ids: referenceIDs,
                                    count: count, dimension: dimension, skipping: 0)
        record("embeddingBackward (scatter-add)", [tableGradient])
    }

    private func checkLayerNorm() {
        let (rows, dimension) = (300, 96)
        let input = randomPair([rows, dimension], scale: 2, offset: 0.5)
        let weight = randomPair([dimension], scale: 0.5, offset: 1), bias = randomPair([dimension], scale: 0.5)
        let output = poisoned([rows, dimension]), mean = poisoned([rows]), rstd = poisoned([rows])
        subject.layerNormForward(output.subject, mean: mean.subject, reciprocalStandardDeviation: rstd.subject,
                                 input: input.subject, weight: weight.subject, bias: bias.subject,
                                 rows: rows, dimension: dimension, epsilon: 1e-5)
        reference.layerNormForward(output.reference, mean: mean.reference, reciprocalStandardDeviation: rstd.reference,
                                   input: input.reference, weight: weight.reference, bias: bias.reference,
                                   rows: rows, dimension: dimension, epsilon: 1e-5)
        record("layerNormForward", [output, mean, rstd])
        let outputGradient = randomPair([rows, dimension])
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
        record("layerNormBackward d input", [inputGradient])
        record("layerNormBackward d weight, d bias", [weightGradient, biasGradient])
    }

    /// One causal attention check; the saved state is the backend's own (probabilities on
    /// the CPU, per-row statistics in fused kernels), so only outputs and gradients are compared.
    /// With `dtype` bfloat16, qkv, outputs and gradients are bfloat16 and the saved state float32
    /// (mixed precision), against the float64 reference on the same rounded inputs.
    private func checkAttention(batch: Int, length: Int, heads: Int, dimension: Int, dropout: Double,
                                dtype: DType = .float32) {
        let seed = generator.next()
        let threshold = dtype == .bfloat16 ? Self.bfloat16Threshold : Self.float32Threshold
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

    private func checkActivations() {
        let count = 5000
        let input = randomPair([count], scale: 4), outputGradient = randomPair([count])
        for (name, forward, backward) in [
            ("gelu", { (b: any Backend, o: Tensor, i: Tensor) in b.geluForward(o, input: i, count: count) },
             { (b: any Backend, g: Tensor, d: Tensor, i: Tensor) in
                 b.geluBackward(g, outputGradient: d, input: i, count: count) }),
            ("relu", { (b: any Backend, o: Tensor, i: Tensor) in b.reluForward(o, input: i, count: count) },
             { (b: any Backend, g: Tensor, d: Tensor, i: Tensor) in
                 b.reluBackward(g, outputGradient: d, input: i, count: count) }),
        ] {
            let output = poisoned([count]), inputGradient = poisoned([count])
            forward(subject, output.subject, input.subject)
            forward(reference, output.reference, input.reference)
            record("\(name)Forward", [output])
            backward(subject, inputGradient.subject, outputGradient.subject, input.subject)
            backward(reference, inputGradient.reference, outputGradient.reference, input.reference)
            record("\(name)Backward", [inputGradient])
        }
    }

    private func checkDropout() {
        let count = 20_000, probability = 0.1, seed = generator.next()
        let input = randomPair([count], offset: 2)
        let output = poisoned([count]), inputGradient = poisoned([count])
        subject.dropoutForward(output.subject, input: input.subject, count: count, probability: probability, seed: seed)
        reference.dropoutForward(output.reference, input: input.reference, count: count, probability: probability, seed: seed)
        record("dropoutForward", [output])
        let subjectValues: [Double] = subject.download(output.subject)
        let referenceValues: [Double] = reference.download(output.reference)
        let mismatches = zip(subjectValues, referenceValues).filter { ($0 == 0) != ($1 == 0) }.count
        results.append(SelftestResult(operation: "dropout mask (fraction differing)", error: Double(mismatches) / Double(count),
                                      threshold: 0))
        subject.dropoutBackward(inputGradient.subject, outputGradient: input.subject, count: count,
                                probability: probability, seed: seed)
        reference.dropoutBackward(inputGradient.reference, outputGradient: input.reference, count: count,
                                  probability: probability, seed: seed)
        record("dropoutBackward", [inputGradient])
    }

    private func checkBiasAndRows() {
        let (rows, columns) = (257, 77)
        let output = randomPair([rows, columns]), bias = randomPair([columns])
        subject.addBias(output.subject, bias: bias.subject, rows: rows, columns: columns)
        reference.addBias(output.reference, bias: bias.reference, rows: rows, columns: columns)
        record("addBias", [output])
        let outputGradient = randomPair([rows, columns]), biasGradient = randomPair([columns])
        subject.biasBackward(biasGradient.subject, outputGradient: outputGradient.subject, rows: rows, columns: columns)
        reference.biasBackward(biasGradient.reference, outputGradient: outputGradient.reference, rows: rows, columns: columns)
        record("biasBackward", [biasGradient])
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
        let mask = pair((0..<count).map { _ in generator.next(below: 2) == 0 ? 0 : 1 }, [count])
        for stepNumber in [1, 7] {
            let step = AdamWStep(learningRate: 1e-3, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.1,
                                 step: stepNumber, gradientScale: 0.8)
            subject.adamW(parameters: parameters.subject, gradients: gradients.subject, firstMoment: firstMoment.subject,
                          secondMoment: secondMoment.subject, decayMask: mask.subject, count: count, step: step)
            reference.adamW(parameters: parameters.reference, gradients: gradients.reference,
                            firstMoment: firstMoment.reference, secondMoment: secondMoment.reference,
                            decayMask: mask.reference, count: count, step: step)
        }
        record("adamW parameters (2 steps)", [parameters])
        record("adamW moments (2 steps)", [firstMoment, secondMoment])
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
