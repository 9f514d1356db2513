/// `ce`: the full softmax cross-entropy over the items 1...C, logits [N, C + 1] materialised.
///
/// The same loss as the reference's `F.cross_entropy(H Eᵀ, t)` with column 0 excluded,
/// averaged over non-padding positions. The logits buffer is overwritten by its gradient,
/// so the loss needs N * (C + 1) elements beyond H and E.
public final class CrossEntropyLoss: TrainingLoss {
    public let name = "ce"
    public let usesNegatives = false
    public let backend: any LossBackend
    private var logits = ScratchTensor()
    private var losses = ScratchTensor()

    /// A full-softmax loss running on `backend`.
    public init(backend: any LossBackend) {
        self.backend = backend
    }

    /// Ignores `negatives`; see `TrainingLoss.forwardBackward`.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, targetCount: Int, negatives: SampledNegatives?, positions: Int,
                                lossSum: Tensor) {
        let sizes = LossSizes(hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                              itemTableGradient: itemTableGradient, targets: targets, positions: positions)
        let n = sizes.positions, d = sizes.dimension, columns = sizes.itemCount + 1
        let dH = hiddenGradient.view(offset: 0, shape: [n, d])
        guard targetCount > 0 else {
            backend.fill(dH, with: 0)
            return
        }
        let logits = self.logits.view([n, columns], dtype: hidden.dtype, on: backend)
        let losses = self.losses.view([n], dtype: sizes.rowDType, on: backend)
        backend.matmul(logits, hidden, itemTable, rows: n, columns: columns, inner: d,
                       transposeA: false, transposeB: true, alpha: 1, beta: 0)
        backend.softmaxCrossEntropy(losses, logits: logits, targets: targets, rows: n, columns: columns,
                                    firstColumn: 1, gradientScale: 1 / Double(targetCount))
        backend.accumulateSum(lossSum, of: losses, count: n, scale: 1 / Double(targetCount))
        // logits now hold d loss / d logits: dH = dlogits E, dE += dlogitsᵀ H.
        backend.matmul(dH, logits, itemTable, rows: n, columns: d, inner: columns,
                       transposeA: false, transposeB: false, alpha: 1, beta: 0)
        backend.matmul(itemTableGradient, logits, hidden, rows: columns, columns: d, inner: n,
                       transposeA: true, transposeB: false, alpha: 1, beta: 1)
    }
}
