/// `bce`: SASRec's binary cross-entropy with 1...K negatives per position.
///
/// loss_n = -log σ(p) - Σ_k log(1 - σ(z_k)) with p = H[n]·E[t], z_k = H[n]·E[j_k]: summed
/// over the negatives (not averaged), averaged over non-padding positions, which for one
/// negative is exactly the original SASRec loss. Negatives equal to the target or 0 are
/// excluded; no log-q correction is applied (`negatives.logQ` is ignored).
public final class BinaryCrossEntropyLoss: TrainingLoss {
    public let name = "bce"
    public let usesNegatives = true
    public let backend: any LossBackend
    private var logits = SampledLogits()

    /// A binary cross-entropy loss running on `backend`.
    public init(backend: any LossBackend) {
        self.backend = backend
    }

    /// Requires `negatives`; see `TrainingLoss.forwardBackward`.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, targetCount: Int, negatives: SampledNegatives?, positions: Int,
                                lossSum: Tensor) {
        guard let negatives else { preconditionFailure("the bce loss needs sampled negatives") }
        logits.sigmoidForwardBackward(
            backend: backend, hidden: hidden, itemTable: itemTable,
            hiddenGradient: hiddenGradient, itemTableGradient: itemTableGradient,
            targets: targets, targetCount: targetCount, negatives: negatives, positions: positions,
            lossSum: lossSum, positiveWeight: 1)
    }
}
