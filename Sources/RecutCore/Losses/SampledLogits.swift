/// The positive and negative logits shared by the sampled losses (`ce-`, `bce`, `gbce`):
/// scoring for each negative granularity, and the pass that turns their gradients into
/// dH and dE.
///
/// Positive logits are [N] and negative logits [N, K], kept as two tensors (mathematically
/// the [N, 1 + K] logits with the positive in column 0) so that the per-batch and
/// per-sequence negative logits come straight out of a matmul without a strided copy.
struct SampledLogits {
    /// The scored logits of one call and where each row finds its negative ids.
    struct Scores {
        /// [N]: H[n] · E[target n]; after the loss kernel, d loss / d positive logit.
        let positive: Tensor
        /// [N, K]: H[n] · E[negative ids of n]; after the loss kernel, their gradient.
        let negative: Tensor
        /// [N]: the per-row losses the kernel writes (`LossSizes.rowDType`).
        let losses: Tensor
        /// K.
        let negatives: Int
        /// Positions per row of negative ids: 1, L or N by granularity.
        let rowsPerNegativeRow: Int
    }

    private var positive = ScratchTensor()
    private var negative = ScratchTensor()
    private var losses = ScratchTensor()
    /// The gathered negative rows E[ids] [rows of ids * K, d] of the matmul granularities,
    /// reused for their gradient in the backward pass when dE has E's dtype.
    private var gathered = ScratchTensor()
    /// The gradient of the gathered rows in dE's dtype, when that differs from E's (the
    /// float32 master gradient of a bfloat16 table).
    private var gatheredGradient = ScratchTensor()

    /// Runs one sampled loss over `targetCount` targets: scores the logits, lets `kernel` turn
    /// them into per-row losses and scaled gradients (its second argument is 1 / target count),
    /// adds the mean loss to `lossSum`, writes dH and accumulates dE.
    mutating func forwardBackward(
        backend: any LossBackend, hidden: Tensor, itemTable: Tensor,
        hiddenGradient: Tensor, itemTableGradient: Tensor,
        targets: Tensor, targetCount: Int, negatives: SampledNegatives, positions: Int, lossSum: Tensor,
        kernel: (Scores, Double) -> Void
    ) {
        let sizes = LossSizes(hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                              itemTableGradient: itemTableGradient, targets: targets, positions: positions)
        let n = sizes.positions, d = sizes.dimension
        let dH = hiddenGradient.view(offset: 0, shape: [n, d])
        backend.fill(dH, with: 0)
        guard targetCount > 0 else { return }
        let scores = forward(backend: backend, hidden: hidden, itemTable: itemTable, targets: targets,
                             negatives: negatives, sizes: sizes)
        kernel(scores, 1 / Double(targetCount))
        backend.accumulateSum(lossSum, of: scores.losses, count: n, scale: 1 / Double(targetCount))
        backward(backend: backend, hiddenGradient: dH, itemTableGradient: itemTableGradient,
                 hidden: hidden, itemTable: itemTable, targets: targets, negatives: negatives,
                 scores: scores, sizes: sizes)
    }

    private mutating func forward(backend: any LossBackend, hidden: Tensor, itemTable: Tensor,
                                  targets: Tensor, negatives: SampledNegatives, sizes: LossSizes) -> Scores {
        let n = sizes.positions, d = sizes.dimension, k = negatives.countPerPosition
        let dtype = hidden.dtype
        let rowsPerNegativeRow = negatives.rowsPerNegativeRow(positions: n)
        negatives.checkLogQ(itemCount: sizes.itemCount, dtype: sizes.rowDType)
        let scores = Scores(positive: positive.view([n], dtype: dtype, on: backend),
                            negative: negative.view([n, k], dtype: dtype, on: backend),
                            losses: losses.view([n], dtype: sizes.rowDType, on: backend),
                            negatives: k, rowsPerNegativeRow: rowsPerNegativeRow)
        backend.gatheredDotForward(scores.positive, hidden: hidden, table: itemTable, ids: targets,
                                   rows: n, idsPerRow: 1, dimension: d)
        switch negatives.granularity {
        case .perPosition:
            backend.gatheredDotForward(scores.negative, hidden: hidden, table: itemTable, ids: negatives.storedIDs,
                                       rows: n, idsPerRow: k, dimension: d)
        case .perBatch:
            let rows = gather(backend: backend, itemTable: itemTable, ids: negatives.storedIDs, dimension: d)
            backend.matmul(scores.negative, hidden, rows, rows: n, columns: k, inner: d,
                           transposeA: false, transposeB: true, alpha: 1, beta: 0)
        case .perSequence:
            let sequences = negatives.storedIDs.shape[0], length = rowsPerNegativeRow
            let rows = gather(backend: backend, itemTable: itemTable, ids: negatives.storedIDs, dimension: d)
            backend.batchedMatmul(scores.negative, hidden, rows, rows: length, columns: k, inner: d,
                                  transposeA: false, transposeB: true, alpha: 1, beta: 0,
                                  batchCount: sequences, outputStride: length * k,
                                  aStride: length * d, bStride: k * d)
        }
        return scores
    }

    private mutating func backward(backend: any LossBackend, hiddenGradient dH: Tensor, itemTableGradient dE: Tensor,
                                   hidden: Tensor, itemTable: Tensor, targets: Tensor,
                                   negatives: SampledNegatives, scores: Scores, sizes: LossSizes) {
        let n = sizes.positions, d = sizes.dimension, k = scores.negatives
        backend.gatheredDotBackward(hiddenGradient: dH, tableGradient: dE, logitGradient: scores.positive,
                                    hidden: hidden, table: itemTable, ids: targets,
                                    rows: n, idsPerRow: 1, dimension: d)
        switch negatives.granularity {
        case .perPosition:
            backend.gatheredDotBackward(hiddenGradient: dH, tableGradient: dE, logitGradient: scores.negative,
                                        hidden: hidden, table: itemTable, ids: negatives.storedIDs,
                                        rows: n, idsPerRow: k, dimension: d)
        case .perBatch:
            // The gathered rows serve dH first, then their gradient takes their place.
            let rows = gathered.view([k, d], dtype: hidden.dtype, on: backend)
            backend.matmul(dH, scores.negative, rows, rows: n, columns: d, inner: k,
                           transposeA: false, transposeB: false, alpha: 1, beta: 1)
            let rowGradient = gatheredRowGradient(backend: backend, rows: rows, dtype: dE.dtype)
            backend.matmul(rowGradient, scores.negative, hidden, rows: k, columns: d, inner: n,
                           transposeA: true, transposeB: false, alpha: 1, beta: 0)
            backend.embeddingBackward(dE, outputGradient: rowGradient, ids: negatives.storedIDs,
                                      count: k, dimension: d, skipping: 0)
        case .perSequence:
            let sequences = negatives.storedIDs.shape[0], length = scores.rowsPerNegativeRow
            let rows = gathered.view([sequences * k, d], dtype: hidden.dtype, on: backend)
            backend.batchedMatmul(dH, scores.negative, rows, rows: length, columns: d, inner: k,
                                  transposeA: false, transposeB: false, alpha: 1, beta: 1,
                                  batchCount: sequences, outputStride: length * d,
                                  aStride: length * k, bStride: k * d)
            let rowGradient = gatheredRowGradient(backend: backend, rows: rows, dtype: dE.dtype)
            backend.batchedMatmul(rowGradient, scores.negative, hidden, rows: k, columns: d, inner: length,
                                  transposeA: true, transposeB: false, alpha: 1, beta: 0,
                                  batchCount: sequences, outputStride: k * d,
                                  aStride: length * k, bStride: length * d)
            backend.embeddingBackward(dE, outputGradient: rowGradient, ids: negatives.storedIDs,
                                      count: sequences * k, dimension: d, skipping: 0)
        }
    }

    /// Where the gradient of the gathered `rows` goes: over them when dE shares their dtype,
    /// else into a buffer of dE's dtype, so that dE is summed from float32 rows.
    private mutating func gatheredRowGradient(backend: any LossBackend, rows: Tensor, dtype: DType) -> Tensor {
        dtype == rows.dtype ? rows : gatheredGradient.view(rows.shape, dtype: dtype, on: backend)
    }

    /// E[ids] into the reused gathered buffer.
    private mutating func gather(backend: any LossBackend, itemTable: Tensor, ids: Tensor, dimension: Int) -> Tensor {
        let rows = gathered.view([ids.count, dimension], dtype: itemTable.dtype, on: backend)
        backend.embeddingForward(rows, ids: ids, table: itemTable, count: ids.count, dimension: dimension)
        return rows
    }
}

extension SampledLogits {
    /// The shared body of `bce` and `gbce`: sigmoid binary cross-entropy with the positive
    /// term weighted by `positiveWeight`.
    mutating func sigmoidForwardBackward(
        backend: any LossBackend, hidden: Tensor, itemTable: Tensor,
        hiddenGradient: Tensor, itemTableGradient: Tensor,
        targets: Tensor, targetCount: Int, negatives: SampledNegatives, positions: Int, lossSum: Tensor,
        positiveWeight: Double
    ) {
        forwardBackward(backend: backend, hidden: hidden, itemTable: itemTable,
                        hiddenGradient: hiddenGradient, itemTableGradient: itemTableGradient,
                        targets: targets, targetCount: targetCount, negatives: negatives, positions: positions,
                        lossSum: lossSum) { scores, gradientScale in
            backend.sigmoidBinaryCrossEntropy(
                scores.losses, positiveLogits: scores.positive, negativeLogits: scores.negative,
                targets: targets, negativeIDs: negatives.storedIDs,
                rows: positions, negatives: scores.negatives, rowsPerNegativeRow: scores.rowsPerNegativeRow,
                positiveWeight: positiveWeight, gradientScale: gradientScale)
        }
    }
}
