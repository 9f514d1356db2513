/// The fused loss passes of `cce-` and `cce`, beyond `LossBackend`.
///
/// Each pass is one op (one kernel on a GPU), after Apple's Cut Cross-Entropy: the forward
/// pass reduces the logits of each row tile by tile with an online log-sum-exp and keeps only
/// the log-sum-exp [N] and the per-row loss [N]; the backward pass recomputes the logits tile
/// by tile. Neither materialises [N, K] or [N, C] logits nor [N, K, d] gathered rows. The
/// positive logit H[n] · E[targets[n]] comes from `gatheredDotForward` with one id per row
/// (the indexed dot pass). Same conventions as `Backend`: outputs first, then inputs, then
/// sizes; the backward passes write (=) dH and accumulate (+=) into dE. Rows whose target is
/// 0 (padding) get log-sum-exp 0, loss 0 and no gradient.
///
/// Gradient filtering: a softmax weight w (p for a negative or a non-target item, p - 1 for
/// the target) with |w| below `filterThreshold` may be dropped from both dH and dE; 0 turns
/// filtering off. A backend drops weights one by one or by whole tiles whose weights all
/// fall below the threshold, so every dropped weight changes a gradient element by less than
/// gradientScale * filterThreshold * |the matching element of E or H|.
public protocol FusedLossBackend: LossBackend {
    /// Sampled softmax forward: logSumExp[r] = logsumexp(p, z_1...z_K) with p =
    /// positiveLogits[r] and z_k = hidden[r] · table[id_k] - (log K + log q_k) (without the
    /// shift when `logQ` is nil); losses[r] = logSumExp[r] - p.
    ///
    /// Negative ids are laid out and excluded as in `LossBackend.sampledSoftmaxCrossEntropy`
    /// (row r reads ids row r / rowsPerNegativeRow; an id 0 or equal to the row's target is
    /// skipped); the negatives are gathered and scored inside the op. Drawn ids
    /// (`NegativeIDs.drawn`, per position) are regenerated inside the op, never stored.
    func sampledLogSumExpForward(_ logSumExp: Tensor, losses: Tensor, positiveLogits: Tensor,
                                 hidden: Tensor, table: Tensor, targets: Tensor,
                                 negativeIDs: NegativeIDs, logQ: LogQCorrection?,
                                 rows: Int, negatives: Int, rowsPerNegativeRow: Int, dimension: Int)

    /// Sampled softmax backward: with weights w_k = exp(z_k - logSumExp[r]) and
    /// w_pos = exp(p - logSumExp[r]) - 1, writes hiddenGradient[r] = gradientScale *
    /// (Σ_k w_k table[id_k] + w_pos table[target]) and adds gradientScale * w * hidden[r] to
    /// the rows id_k and target of tableGradient, recomputing the z_k.
    func sampledLogSumExpBackward(hiddenGradient: Tensor, tableGradient: Tensor,
                                  logSumExp: Tensor, positiveLogits: Tensor,
                                  hidden: Tensor, table: Tensor, targets: Tensor,
                                  negativeIDs: NegativeIDs, logQ: LogQCorrection?,
                                  rows: Int, negatives: Int, rowsPerNegativeRow: Int, dimension: Int,
                                  gradientScale: Double, filterThreshold: Double)

    /// Full softmax forward over the items 1...itemCount (table row 0 is padding, never a class):
    /// logSumExp[r] = logsumexp_c(hidden[r] · table[c]); losses[r] = logSumExp[r] - positiveLogits[r].
    func fullLogSumExpForward(_ logSumExp: Tensor, losses: Tensor, positiveLogits: Tensor,
                              hidden: Tensor, table: Tensor, targets: Tensor,
                              rows: Int, itemCount: Int, dimension: Int)

    /// Full softmax backward: with weights w_c = exp(hidden[r] · table[c] - logSumExp[r]) -
    /// [c = target], writes hiddenGradient[r] = gradientScale * Σ_c w_c table[c] and adds
    /// gradientScale * Σ_r w_c hidden[r] to tableGradient[c], recomputing the logits tile by tile.
    func fullLogSumExpBackward(hiddenGradient: Tensor, tableGradient: Tensor, logSumExp: Tensor,
                               hidden: Tensor, table: Tensor, targets: Tensor,
                               rows: Int, itemCount: Int, dimension: Int,
                               gradientScale: Double, filterThreshold: Double)
}
