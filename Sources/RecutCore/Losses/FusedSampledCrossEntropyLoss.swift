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
    /// Whether softmax weights below `GradientFilter.threshold(for:)` of the operands' dtype
    /// are dropped from the gradients.
    public let gradientFiltering: Bool
    private let backend: any FusedLossBackend
    private var rowVectors = FusedRowVectors()

    /// A fused sampled-softmax loss running on `backend`, filtering gradients unless told not to.
    public init(backend: any FusedLossBackend, gradientFiltering: Bool = true) {
        self.backend = backend
        self.gradientFiltering = gradientFiltering
    }

    /// The number of backend tensor elements this loss keeps between calls (O(N)).
    public var scratchElementCount: Int { rowVectors.elementCount }

    /// Requires `negatives`; see `TrainingLoss.forwardBackward`.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, negatives: SampledNegatives?, positions: Int) -> Double {
        guard let negatives else { preconditionFailure("the cce- loss needs sampled negatives") }
        let sizes = LossSizes(hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                              itemTableGradient: itemTableGradient, targets: targets, positions: positions)
        let n = sizes.positions, d = sizes.dimension, k = negatives.countPerPosition
        let dH = hiddenGradient.view(offset: 0, shape: [n, d])
        let targetCount = backend.countNonzero(targets, count: n)
        guard targetCount > 0 else {
            backend.fill(dH, with: 0)
            return 0
        }
        let rowsPerNegativeRow = negatives.rowsPerNegativeRow(positions: n)
        negatives.checkLogQ(itemCount: sizes.itemCount, dtype: sizes.rowDType)
        let vectors = rowVectors.views(rows: n, dtype: sizes.rowDType, on: backend)
        backend.gatheredDotForward(vectors.positiveLogits, hidden: hidden, table: itemTable, ids: targets,
                                   rows: n, idsPerRow: 1, dimension: d)
        backend.sampledLogSumExpForward(vectors.logSumExp, losses: vectors.losses,
                                        positiveLogits: vectors.positiveLogits,
                                        hidden: hidden, table: itemTable, targets: targets,
                                        negativeIDs: negatives.ids, logQ: negatives.logQ,
                                        rows: n, negatives: k, rowsPerNegativeRow: rowsPerNegativeRow, dimension: d)
        let loss = backend.sum(vectors.losses, count: n) / Double(targetCount)
        backend.sampledLogSumExpBackward(hiddenGradient: dH, tableGradient: itemTableGradient,
                                         logSumExp: vectors.logSumExp, positiveLogits: vectors.positiveLogits,
                                         hidden: hidden, table: itemTable, targets: targets,
                                         negativeIDs: negatives.ids, logQ: negatives.logQ,
                                         rows: n, negatives: k, rowsPerNegativeRow: rowsPerNegativeRow, dimension: d,
                                         gradientScale: 1 / Double(targetCount),
                                         filterThreshold: gradientFiltering ? GradientFilter.threshold(for: hidden.dtype) : 0)
        return loss
    }
}
