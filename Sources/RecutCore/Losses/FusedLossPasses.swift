/// What `cce` and `cce-` run around their own forward and backward passes: the indexed dot for
/// the positive logits, the mean loss over the rows that have a target, and the gradient scale
/// and filter threshold of the backward pass.
struct FusedLossPasses {
    /// The backend that runs every pass.
    let backend: any FusedLossBackend
    /// Whether softmax weights below `GradientFilter.threshold(for:)` of the operands' dtype
    /// are dropped from the gradients.
    let gradientFiltering: Bool
    private var rowVectors = FusedRowVectors()

    init(backend: any FusedLossBackend, gradientFiltering: Bool) {
        self.backend = backend
        self.gradientFiltering = gradientFiltering
    }

    /// The number of backend tensor elements kept between calls (O(N)).
    var scratchElementCount: Int { rowVectors.elementCount }

    /// Writes the positive logits, runs `forward` (which fills the log-sum-exp and the losses),
    /// adds the mean loss over the `targetCount` rows with a target to `lossSum`, then runs
    /// `backward` with dH viewed as [N, d], the gradient scale 1 / targetCount and the filter
    /// threshold (0 when off). With no target at all, zeroes dH without running either.
    mutating func run(_ sizes: LossSizes, hidden: Tensor, itemTable: Tensor, hiddenGradient: Tensor, targets: Tensor,
                      targetCount: Int, lossSum: Tensor,
                      forward: (FusedRowVectors.Views) -> Void,
                      backward: (FusedRowVectors.Views, _ hiddenGradient: Tensor, _ gradientScale: Double,
                                 _ filterThreshold: Double) -> Void) {
        let n = sizes.positions, d = sizes.dimension
        let dH = hiddenGradient.view(offset: 0, shape: [n, d])
        guard targetCount > 0 else {
            backend.fill(dH, with: 0)
            return
        }
        let vectors = rowVectors.views(rows: n, dtype: sizes.rowDType, on: backend)
        backend.gatheredDotForward(vectors.positiveLogits, hidden: hidden, table: itemTable, ids: targets,
                                   rows: n, idsPerRow: 1, dimension: d)
        forward(vectors)
        backend.accumulateSum(lossSum, of: vectors.losses, count: n, scale: 1 / Double(targetCount))
        backward(vectors, dH, 1 / Double(targetCount), gradientFiltering ? GradientFilter.threshold(for: hidden.dtype) : 0)
    }
}
