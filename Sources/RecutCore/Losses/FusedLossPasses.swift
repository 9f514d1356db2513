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
    /// then `backward` with dH viewed as [N, d], the gradient scale 1 / (rows with a target) and
    /// the filter threshold (0 when off); returns the mean loss. With no target at all, zeroes
    /// dH and returns 0 without running either.
    mutating func run(_ sizes: LossSizes, hidden: Tensor, itemTable: Tensor, hiddenGradient: Tensor, targets: Tensor,
                      forward: (FusedRowVectors.Views) -> Void,
                      backward: (FusedRowVectors.Views, _ hiddenGradient: Tensor, _ gradientScale: Double,
                                 _ filterThreshold: Double) -> Void) -> Double {
        let n = sizes.positions, d = sizes.dimension
        let dH = hiddenGradient.view(offset: 0, shape: [n, d])
        let targetCount = backend.countNonzero(targets, count: n)
        guard targetCount > 0 else {
            backend.fill(dH, with: 0)
            return 0
        }
        let vectors = rowVectors.views(rows: n, dtype: sizes.rowDType, on: backend)
        backend.gatheredDotForward(vectors.positiveLogits, hidden: hidden, table: itemTable, ids: targets,
                                   rows: n, idsPerRow: 1, dimension: d)
        forward(vectors)
        let loss = backend.sum(vectors.losses, count: n) / Double(targetCount)
        backward(vectors, dH, 1 / Double(targetCount), gradientFiltering ? GradientFilter.threshold(for: hidden.dtype) : 0)
        return loss
    }
}
