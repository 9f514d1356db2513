/// `gbce`: gSASRec's generalised binary cross-entropy, which calibrates the positive term
/// so that a model trained with few negatives does not overestimate positive probabilities.
///
/// From Petrov & Macdonald, "gSASRec: Reducing Overconfidence in Sequential Recommendation
/// Trained with Negative Sampling" (RecSys 2023): with sampling rate α = K / (C - 1) and
/// calibration t in [0, 1], β = α (t (1 - 1/α) + 1/α) = 1 - t (1 - α), and
/// loss_n = -β log σ(p) - Σ_k log(1 - σ(z_k)), summed over the negatives and averaged over
/// non-padding positions (gSASRec's code also divides by K + 1, a constant factor left out
/// here). t = 0 gives `bce`; t = 1 gives β = α. Negatives equal to the target or 0 are
/// excluded; `negatives.logQ` is ignored.
public final class GeneralizedBinaryCrossEntropyLoss: TrainingLoss {
    public let name = "gbce"
    public let usesNegatives = true
    /// The calibration parameter t in [0, 1].
    public let calibration: Double
    public let backend: any LossBackend
    private var logits = SampledLogits()

    /// A gBCE loss with calibration `t` running on `backend`.
    public init(backend: any LossBackend, calibration t: Double) {
        precondition((0...1).contains(t), "gBCE calibration t must lie in [0, 1], not \(t)")
        self.backend = backend
        self.calibration = t
    }

    /// β for K negatives per position over a catalog of C items.
    public static func positiveWeight(calibration t: Double, negatives: Int, itemCount: Int) -> Double {
        precondition(itemCount >= 2, "gBCE needs at least two items, not \(itemCount)")
        let alpha = Double(negatives) / Double(itemCount - 1)
        return alpha * (t * (1 - 1 / alpha) + 1 / alpha)
    }

    /// Requires `negatives`; see `TrainingLoss.forwardBackward`.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, targetCount: Int, negatives: SampledNegatives?, positions: Int,
                                lossSum: Tensor) {
        guard let negatives else { preconditionFailure("the gbce loss needs sampled negatives") }
        let beta = Self.positiveWeight(calibration: calibration, negatives: negatives.countPerPosition,
                                       itemCount: itemTable.shape[0] - 1)
        logits.sigmoidForwardBackward(
            backend: backend, hidden: hidden, itemTable: itemTable,
            hiddenGradient: hiddenGradient, itemTableGradient: itemTableGradient,
            targets: targets, targetCount: targetCount, negatives: negatives, positions: positions,
            lossSum: lossSum, positiveWeight: beta)
    }
}
