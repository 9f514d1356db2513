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
    private var passes: FusedLossPasses
    public var backend: any LossBackend { passes.backend }

    /// A fused full-softmax loss running on `backend`, filtering gradients unless told not to.
    public init(backend: any FusedLossBackend, gradientFiltering: Bool = true) {
        passes = FusedLossPasses(backend: backend, gradientFiltering: gradientFiltering)
    }

    /// Whether softmax weights below `GradientFilter.threshold(for:)` of the operands' dtype
    /// are dropped from the gradients.
    public var gradientFiltering: Bool { passes.gradientFiltering }

    /// The number of backend tensor elements this loss keeps between calls (O(N)).
    public var scratchElementCount: Int { passes.scratchElementCount }

    /// Ignores `negatives`; see `TrainingLoss.forwardBackward`.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, targetCount: Int, negatives: SampledNegatives?, positions: Int,
                                lossSum: Tensor) {
        let sizes = LossSizes(hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                              itemTableGradient: itemTableGradient, targets: targets, positions: positions)
        let backend = passes.backend, n = sizes.positions, d = sizes.dimension, c = sizes.itemCount
        passes.run(sizes, hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                   targets: targets, targetCount: targetCount, lossSum: lossSum) { vectors in
            backend.fullLogSumExpForward(vectors.logSumExp, losses: vectors.losses,
                                         positiveLogits: vectors.positiveLogits, hidden: hidden, table: itemTable,
                                         targets: targets, rows: n, itemCount: c, dimension: d)
        } backward: { vectors, dH, gradientScale, filterThreshold in
            backend.fullLogSumExpBackward(hiddenGradient: dH, tableGradient: itemTableGradient,
                                          logSumExp: vectors.logSumExp, hidden: hidden, table: itemTable,
                                          targets: targets, rows: n, itemCount: c, dimension: d,
                                          gradientScale: gradientScale, filterThreshold: filterThreshold)
        }
    }
}
