import RecutData

/// The extra operations the training losses need beyond `Backend`.
///
/// Same conventions as `Backend` (outputs first, then inputs, then sizes). The loss
/// kernels write per-row losses and overwrite their logits with the gradient of the
/// loss with respect to those logits, scaled by `gradientScale` (in place, so that the
/// largest buffer of a loss is allocated once). Rows whose target item id is 0 (padding
/// positions) get loss 0 and a zero gradient.
public protocol LossBackend: Backend {
    /// Full softmax cross-entropy per row: losses[r] = logsumexp(logits[r, firstColumn...]) -
    /// logits[r, targets[r]]; then logits[r, c] = gradientScale * (softmax - onehot) for
    /// c >= firstColumn and 0 below it.
    ///
    /// Columns before `firstColumn` are not classes (column 0 is the padding item); a row
    /// whose target is below `firstColumn` is ignored (loss 0, gradient 0). Targets are int32.
    func softmaxCrossEntropy(_ losses: Tensor, logits: Tensor, targets: Tensor,
                             rows: Int, columns: Int, firstColumn: Int, gradientScale: Double)

    /// Sampled softmax cross-entropy per row over the positive logit and `negatives`
    /// negative logits: losses[r] = logsumexp(p, z_1...z_K) - p with p = positiveLogits[r]
    /// and z_k = negativeLogits[r, k] - (log K + log q_k) when `logQ` is given (else z_k = the
    /// logit); then both logit tensors hold gradientScale * d losses[r] / d logit.
    ///
    /// Row r uses negative ids row r / rowsPerNegativeRow of `negativeIDs` [_, negatives]
    /// (1 for per-position negatives, the sequence length for per-sequence, all rows for
    /// per-batch). A negative whose id is 0 or equals the row's target is excluded from the
    /// softmax (gradient 0); a row whose target is 0 is ignored.
    func sampledSoftmaxCrossEntropy(_ losses: Tensor, positiveLogits: Tensor, negativeLogits: Tensor,
                                    targets: Tensor, negativeIDs: Tensor, logQ: LogQCorrection?,
                                    rows: Int, negatives: Int, rowsPerNegativeRow: Int,
                                    gradientScale: Double)

    /// Sigmoid binary cross-entropy per row: losses[r] = -positiveWeight * log σ(p) -
    /// Σ_k log(1 - σ(z_k)), p = positiveLogits[r], z_k = negativeLogits[r, k] (summed over
    /// the negatives, not averaged); then both logit tensors hold gradientScale * d losses[r] / d logit.
    ///
    /// Negatives are laid out and excluded as in `sampledSoftmaxCrossEntropy`.
    func sigmoidBinaryCrossEntropy(_ losses: Tensor, positiveLogits: Tensor, negativeLogits: Tensor,
                                   targets: Tensor, negativeIDs: Tensor,
                                   rows: Int, negatives: Int, rowsPerNegativeRow: Int,
                                   positiveWeight: Double, gradientScale: Double)

    /// logits[n, k] = hidden[n, :] · table[ids[n, k], :] for `rows` rows of `idsPerRow` int32 ids.
    ///
    /// The per-position score of gathered items, without materialising the gathered rows.
    func gatheredDotForward(_ logits: Tensor, hidden: Tensor, table: Tensor, ids: Tensor,
                            rows: Int, idsPerRow: Int, dimension: Int)

    /// hiddenGradient[n, :] += Σ_k logitGradient[n, k] * table[ids[n, k], :] and
    /// tableGradient[ids[n, k], :] += logitGradient[n, k] * hidden[n, :].
    func gatheredDotBackward(hiddenGradient: Tensor, tableGradient: Tensor, logitGradient: Tensor,
                             hidden: Tensor, table: Tensor, ids: Tensor,
                             rows: Int, idsPerRow: Int, dimension: Int)

    /// Draws the negatives of `step` for `positions` targets: ids [groups, count] (int32), where
    /// each run of `positionsPerGroup` positions is a group and group g's slot k is
    /// `sampler.sampler.draw(group: g, slot: k, step: step)`, as `NegativeSampler.ids` draws it.
    ///
    /// `.resample` redraws a slot equal to a target of its group (up to
    /// `NegativeSampler.maximumAttempts` attempts); `.mask` with one position per group writes 0
    /// (an empty slot, which the losses skip) where the draw equals the position's target.
    func sampleNegatives(_ ids: Tensor, targets: Tensor, sampler: DeviceNegativeSampler, step: Int,
                         positions: Int, positionsPerGroup: Int, count: Int, collisions: CollisionPolicy)

    /// The number of nonzero elements among the first `count` of an int32 tensor.
    ///
    /// The losses average over non-padding targets, so they count them first.
    func countNonzero(_ ids: Tensor, count: Int) -> Int

    /// The sum of the first `count` elements of a floating-point tensor, accumulated in float64.
    func sum(_ tensor: Tensor, count: Int) -> Double

    /// accumulator[0] += scale * the sum of the first `count` elements of `tensor`, in float64
    /// (`accumulator` is a float64 tensor), queued without reading anything back.
    func accumulateSum(_ accumulator: Tensor, of tensor: Tensor, count: Int, scale: Double)
}
