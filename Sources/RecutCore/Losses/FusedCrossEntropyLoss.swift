/// `cce`: the full softmax cross-entropy of `ce`, fused: tiles of H Eᵀ are reduced with an
/// online log-sum-exp and recomputed in the backward pass, never stored.
///
/// Same loss, dH and dE as `CrossEntropyLoss`, up to gradient filtering. Passes: the indexed
/// dot for the positive logit, `fullLogSumExpForward`, `fullLogSumExpBackward`. Memory beyond
/// H and E: three vectors of N elements (positive logit, log-sum-exp, loss) plus the
/// backend's per-thread tiles, instead of the N * (C + 1) logits of `ce`.
public final class FusedCrossEntropyLoss: TrainingLoss {
    public let name = "cce"
    public let usesNegatives = false
    /// Whether softmax weights below `GradientFilter.threshold(for:)` of the operands' dtype
    /// are dropped from the gradients.
    public let gradientFiltering: Bool
    private let backend: any FusedLossBackend
    private var rowVectors = FusedRowVectors()

    /// A fused full-softmax loss running on `backend`, filtering gradients unless told not to.
    public init(backend: any FusedLossBackend, gradientFiltering: Bool = true) {
        self.backend = backend
        self.gradientFiltering = gradientFiltering
    }

    /// The number of backend tensor elements this loss keeps between calls (O(N)).
    public var scratchElementCount: Int { rowVectors.elementCount }

    /// Ignores `negatives`; see `TrainingLoss.forwardBackward`.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, negatives: SampledNegatives?, positions: Int) -> Double {
        let sizes = LossSizes(hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                              itemTableGradient: itemTableGradient, targets: targets, positions: positions)
        let n = sizes.positions, d = sizes.dimension, c = sizes.itemCount
        let dH = hiddenGradient.view(offset: 0, shape: [n, d])
        let targetCount = backend.countNonzero(targets, count: n)
        guard targetCount > 0 else {
            backend.fill(dH, with: 0)
            return 0
        }
        let vectors = rowVectors.views(rows: n, dtype: sizes.rowDType, on: backend)
        backend.gatheredDotForward(vectors.positiveLogits, hidden: hidden, table: itemTable, ids: targets,
                                   rows: n, idsPerRow: 1, dimension: d)
        backend.fullLogSumExpForward(vectors.logSumExp, losses: vectors.losses, positiveLogits: vectors.positiveLogits,
                                     hidden: hidden, table: itemTable, targets: targets,
                                     rows: n, itemCount: c, dimension: d)
        let loss = backend.sum(vectors.losses, count: n) / Double(targetCount)
        backend.fullLogSumExpBackward(hiddenGradient: dH, tableGradient: itemTableGradient,
                                      logSumExp: vectors.logSumExp, hidden: hidden, table: itemTable, targets: targets,
                                      rows: n, itemCount: c, dimension: d,
                                      gradientScale: 1 / Double(targetCount),
                                      filterThreshold: gradientFiltering ? GradientFilter.threshold(for: hidden.dtype) : 0)
        return loss
    }
}
