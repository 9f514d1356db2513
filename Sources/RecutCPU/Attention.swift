import RecutCore

extension CPUBackend {
    /// The softmax probabilities [batch, heads, length, length].
    public func attentionSavedCount(batch: Int, length: Int, heads: Int, dimension: Int) -> Int {
        batch * heads * length * length
    }

    /// `saved` receives the softmax probabilities [batch, heads, length, length].
    public func attentionForward(_ output: Tensor, saved probabilities: Tensor, qkv: Tensor,
                                 batch: Int, length: Int, heads: Int, dimension: Int,
                                 dropout: Double, seed: UInt64) {
        if widenedBFloat16([output, probabilities, qkv], written: [0, 1], { t in
            attentionForward(t[0], saved: t[1], qkv: t[2], batch: batch, length: length, heads: heads,
                             dimension: dimension, dropout: dropout, seed: seed)
        }) != nil { return }
        let layout = AttentionLayout(batch: batch, length: length, heads: heads, dimension: dimension,
                                     dropout: dropout, seed: seed)
        layout.check(output: output, probabilities: probabilities, qkv: qkv)
        dispatch(output.dtype) {
            attentionForwardKernel(output.pointer(as: Float.self), probabilities.pointer(as: Float.self),
                                   qkv.pointer(as: Float.self), layout)
        } double: {
            attentionForwardKernel(output.pointer(as: Double.self), probabilities.pointer(as: Double.self),
                                   qkv.pointer(as: Double.self), layout)
        }
    }

    public func attentionBackward(_ qkvGradient: Tensor, outputGradient: Tensor, qkv: Tensor,
                                  saved probabilities: Tensor,
                                  batch: Int, length: Int, heads: Int, dimension: Int,
                                  dropout: Double, seed: UInt64) {
        if widenedBFloat16([qkvGradient, outputGradient, qkv, probabilities], written: [0], { t in
            attentionBackward(t[0], outputGradient: t[1], qkv: t[2], saved: t[3], batch: batch, length: length,
                              heads: heads, dimension: dimension, dropout: dropout, seed: seed)
        }) != nil { return }
        let layout = AttentionLayout(batch: batch, length: length, heads: heads, dimension: dimension,
                                     dropout: dropout, seed: seed)
        layout.check(output: outputGradient, probabilities: probabilities, qkv: qkv)
        precondition(qkvGradient.count >= qkv.count, "attentionBackward: qkv gradient too small")
        dispatch(qkvGradient.dtype) {
            attentionBackwardKernel(qkvGradient.pointer(as: Float.self), outputGradient.pointer(as: Float.self),
                                    qkv.pointer(as: Float.self), probabilities.pointer(as: Float.self), layout)
        } double: {
            attentionBackwardKernel(qkvGradient.pointer(as: Double.self), outputGradient.pointer(as: Double.self),
                                    qkv.pointer(as: Double.self), probabilities.pointer(as: Double.self), layout)
        }
    }
}

/// The sizes, strides and dropout of one causal attention call.
private struct AttentionLayout {
    var batch: Int
    var length: Int
    var heads: Int
    var dimension: Int
    var dropout: Double
    var seed: UInt64

    var headSize: Int { dimension / heads }
    var qkvRowStride: Int { 3 * dimension }
    var squareSize: Int { length * length }

    func check(output: Tensor, probabilities: Tensor, qkv: Tensor) {
        precondition(dimension % heads == 0, "attention: dimension \(dimension) not divisible by \(heads) heads")
        precondition(qkv.count >= batch * length * 3 * dimension, "attention: qkv too small")
        precondition(output.count >= batch * length * dimension, "attention: output too small")
        precondition(probabilities.count >= batch * heads * squareSize, "attention: probabilities too small")
    }

    /// Writes the dropped-out copy of one head's probabilities (index = position in the
    /// probabilities tensor) into `target`.
    func applyDropout<S: CPUScalar>(to target: UnsafeMutablePointer<S>, from source: UnsafeMutablePointer<S>,
                                    firstIndex: Int) {
        let keepScale = S(1 / (1 - dropout)), threshold = DropoutMask.threshold(probability: dropout)
        for i in 0..<length {
            for j in 0...i {
                let index = i * length + j
                let factor = DropoutMask.keeps(seed: seed, index: firstIndex + index, threshold: threshold) ? keepScale : 0
                target[index] = source[index] * factor
            }
            for j in (i + 1)..<length { target[i * length + j] = 0 }
        }
    }
}

/// Parallel layout: each task is one (sequence, head) pair; a chunk of tasks shares one
/// L x L scratch square for the dropped-out probabilities.
private func attentionForwardKernel<S: CPUScalar>(
    _ output: UnsafeMutablePointer<S>, _ probabilities: UnsafeMutablePointer<S>,
    _ qkv: UnsafeMutablePointer<S>, _ layout: AttentionLayout
) {
    let L = layout.length, d = layout.dimension, hs = layout.headSize, ld = layout.qkvRowStride
    let scale = S(1 / Double(hs).squareRoot())
    let tasks = layout.batch * layout.heads
    let chunks = chunkCount(count: tasks, minimumChunk: 1, maximumChunks: 4)
    var scratch = [S](repeating: 0, count: layout.dropout > 0 ? chunks * layout.squareSize : 0)
    scratch.withUnsafeMutableBufferPointer { scratch in
        let scratch = scratch.baseAddress
        parallelChunks(count: tasks, minimumChunk: 1, maximumChunks: 4) { chunk, range in
            for task in range {
                let b = task / layout.heads, h = task % layout.heads
                let q = qkv + b * L * ld + h * hs, k = q + d, v = q + 2 * d
                let p = probabilities + task * layout.squareSize
                S.gemm(transposeA: false, transposeB: true, m: L, n: L, k: hs, alpha: scale,
                       a: q, lda: ld, b: k, ldb: ld, beta: 0, c: p, ldc: L)
                for i in 0..<L {
                    let row = p + i * L
                    var maximum = row[0]
                    for j in 0...i { maximum = max(maximum, row[j]) }
                    var sum: S = 0
                    for j in 0...i {
                        row[j] = S.exponential(row[j] - maximum)
                        sum += row[j]
                    }
                    let inverse = 1 / sum
                    for j in 0...i { row[j] *= inverse }
                    for j in (i + 1)..<L { row[j] = 0 }
                }
                var weights = p
                if let scratch, layout.dropout > 0 {
                    weights = scratch + chunk * layout.squareSize
                    layout.applyDropout(to: weights, from: p, firstIndex: task * layout.squareSize)
                }
                S.gemm(transposeA: false, transposeB: false, m: L, n: hs, k: L, alpha: 1,
                       a: weights, lda: L, b: v, ldb: ld, beta: 0, c: output + b * L * d + h * hs, ldc: d)
            }
        }
    }
}

/// Parallel layout: each task is one (sequence, head) pair and writes only its own head's
/// columns of the qkv gradient; a chunk of tasks shares two L x L scratch squares.
private func attentionBackwardKernel<S: CPUScalar>(
    _ qkvGradient: UnsafeMutablePointer<S>, _ outputGradient: UnsafeMutablePointer<S>,
    _ qkv: UnsafeMutablePointer<S>, _ probabilities: UnsafeMutablePointer<S>, _ layout: AttentionLayout
) {
    let L = layout.length, d = layout.dimension, hs = layout.headSize, ld = layout.qkvRowStride
    let scale = S(1 / Double(hs).squareRoot())
    let keepScale = S(1 / (1 - layout.dropout)), threshold = DropoutMask.threshold(probability: layout.dropout)
    let tasks = layout.batch * layout.heads
    let chunks = chunkCount(count: tasks, minimumChunk: 1, maximumChunks: 4)
    var scratch = [S](repeating: 0, count: chunks * 2 * layout.squareSize)
    scratch.withUnsafeMutableBufferPointer { scratch in
        let scratch = scratch.baseAddress!
        parallelChunks(count: tasks, minimumChunk: 1, maximumChunks: 4) { chunk, range in
            let dropped = scratch + chunk * 2 * layout.squareSize
            let gradient = dropped + layout.squareSize
            for task in range {
                let b = task / layout.heads, h = task % layout.heads
                let q = qkv + b * L * ld + h * hs, k = q + d, v = q + 2 * d
                let dq = qkvGradient + b * L * ld + h * hs, dk = dq + d, dv = dq + 2 * d
                let dOut = outputGradient + b * L * d + h * hs
                let p = probabilities + task * layout.squareSize
                let firstIndex = task * layout.squareSize
                var weights = p
                if layout.dropout > 0 {
                    layout.applyDropout(to: dropped, from: p, firstIndex: firstIndex)
                    weights = dropped
                }
                S.gemm(transposeA: true, transposeB: false, m: L, n: hs, k: L, alpha: 1,
                       a: weights, lda: L, b: dOut, ldb: d, beta: 0, c: dv, ldc: ld)
                S.gemm(transposeA: false, transposeB: true, m: L, n: L, k: hs, alpha: 1,
                       a: dOut, lda: d, b: v, ldb: ld, beta: 0, c: gradient, ldc: L)
                for i in 0..<L {
                    let row = gradient + i * L, probabilityRow = p + i * L
                    if layout.dropout > 0 {
                        for j in 0...i {
                            let kept = DropoutMask.keeps(seed: layout.seed, index: firstIndex + i * L + j,
                                                         threshold: threshold)
                            row[j] *= kept ? keepScale : 0
                        }
                    }
                    var dot: S = 0
                    for j in 0...i { dot += probabilityRow[j] * row[j] }
                    for j in 0...i { row[j] = probabilityRow[j] * (row[j] - dot) }
                    for j in (i + 1)..<L { row[j] = 0 }
                }
                S.gemm(transposeA: false, transposeB: false, m: L, n: hs, k: L, alpha: scale,
                       a: gradient, lda: L, b: k, ldb: ld, beta: 0, c: dq, ldc: ld)
                S.gemm(transposeA: true, transposeB: false, m: L, n: hs, k: L, alpha: scale,
                       a: gradient, lda: L, b: q, ldb: ld, beta: 0, c: dk, ldc: ld)
            }
        }
    }
}
