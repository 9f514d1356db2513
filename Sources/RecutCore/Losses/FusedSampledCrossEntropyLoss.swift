/// `cce-`: the sampled softmax cross-entropy of `ce-`, fused: the negatives are gathered and
/// scored tile by tile inside the backend's passes and never stored.
///
/// Same loss, dH and dE as `SampledCrossEntropyLoss` (log-q correction, empty slots and
/// collisions included), up to gradient filtering. Passes: the indexed dot for the positive
/// logit, `sampledLogSumExpForward`, `sampledLogSumExpBackward`. Memory beyond H and E:
/// three vectors of N elements (positive logit, log-sum-exp, loss) plus the backend's
/// per-thread tiles.
public final class FusedSampledCrossEntropyLoss: TrainingLoss {
    public let name = "cce-"
    public let usesNegatives = true
    private var passes: FusedLossPasses
    public var backend: any LossBackend { passes.backend }

    /// A fused sampled-softmax loss running on `backend`, filtering gradients unless told not to.
    public init(backend: any FusedLossBackend, gradientFiltering: Bool = true) {
        passes = FusedLossPasses(backend: backend, gradientFiltering: gradientFiltering)
    }

    /// Whether softmax weights below `GradientFilter.threshold(for:)` of the operands' dtype
    /// are dropped from the gradients.
    public var gradientFiltering: Bool { passes.gradientFiltering }

    /// The number of backend tensor elements this loss keeps between calls (O(N)).
    public var scratchElementCount: Int { passes.scratchElementCount }

    /// Requires `negatives`; see `TrainingLoss.forwardBackward`.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, targetCount: Int, negatives: SampledNegatives?, positions: Int,
                                lossSum: Tensor) {
        guard let negatives else { preconditionFailure("the cce- loss needs sampled negatives") }
        let sizes = LossSizes(hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                              itemTableGradient: itemTableGradient, targets: targets, positions: positions)
        let backend = passes.backend, n = sizes.positions, d = sizes.dimension, k = negatives.countPerPosition
        let rowsPerNegativeRow = negatives.rowsPerNegativeRow(positions: n)
        negatives.checkLogQ(itemCount: sizes.itemCount, dtype: sizes.rowDType)
        passes.run(sizes, hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                   targets: targets, targetCount: targetCount, lossSum: lossSum) { vectors in
            backend.sampledLogSumExpForward(vectors.logSumExp, losses: vectors.losses,
                                            positiveLogits: vectors.positiveLogits,
                                            hidden: hidden, table: itemTable, targets: targets,
                                            negativeIDs: negatives.ids, logQ: negatives.logQ,
                                            rows: n, negatives: k, rowsPerNegativeRow: rowsPerNegativeRow,
                                            dimension: d)
        } backward: { vectors, dH, gradientScale, filterThreshold in
            backend.sampledLogSumExpBackward(hiddenGradient: dH, tableGradient: itemTableGradient,
                                             logSumExp: vectors.logSumExp, positiveLogits: vectors.positiveLogits,
                                             hidden: hidden, table: itemTable, targets: targets,
                                             negativeIDs: negatives.ids, logQ: negatives.logQ,
                                             rows: n, negatives: k, rowsPerNegativeRow: rowsPerNegativeRow,
                                             dimension: d, gradientScale: gradientScale,
                                             filterThreshold: filterThreshold)
        }
    }
}
