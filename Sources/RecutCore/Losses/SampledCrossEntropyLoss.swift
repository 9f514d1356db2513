/// `ce-`: the sampled softmax cross-entropy over the positive and K negatives per position
/// (RePlay's CESampled; the reference's `--loss ce-`).
///
/// Per position n with target t and negatives j_1...j_K:
/// loss_n = -log( e^{p} / (e^{p} + Σ_k e^{z_k}) ), p = H[n]·E[t], z_k = H[n]·E[j_k] - log(K q(j_k))
/// when a log-q correction is given (else z_k = H[n]·E[j_k]); negatives equal to t (the
/// reference fills them with -1e9) or 0 are excluded. The mean over non-padding positions
/// is returned. Memory beyond H and E: N * (K + 2), plus K * d (per batch) or B * K * d
/// (per sequence) gathered rows.
public final class SampledCrossEntropyLoss: TrainingLoss {
    public let name = "ce-"
    public let usesNegatives = true
    public let backend: any LossBackend
    private var logits = SampledLogits()

    /// A sampled-softmax loss running on `backend`.
    public init(backend: any LossBackend) {
        self.backend = backend
    }

    /// Requires `negatives`; see `TrainingLoss.forwardBackward`.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, targetCount: Int, negatives: SampledNegatives?, positions: Int,
                                lossSum: Tensor) {
        guard let negatives else { preconditionFailure("the ce- loss needs sampled negatives") }
        let backend = self.backend
        logits.forwardBackward(
            backend: backend, hidden: hidden, itemTable: itemTable,
            hiddenGradient: hiddenGradient, itemTableGradient: itemTableGradient,
            targets: targets, targetCount: targetCount, negatives: negatives, positions: positions, lossSum: lossSum
        ) { scores, gradientScale in
            backend.sampledSoftmaxCrossEntropy(
                scores.losses, positiveLogits: scores.positive, negativeLogits: scores.negative,
                targets: targets, negativeIDs: negatives.storedIDs, logQ: negatives.logQ,
                rows: positions, negatives: scores.negatives, rowsPerNegativeRow: scores.rowsPerNegativeRow,
                gradientScale: gradientScale)
        }
    }
}
