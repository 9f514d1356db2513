/// The three per-row vectors the fused losses keep between their passes: the positive
/// logit, the log-sum-exp and the loss of each of the N rows (their only O(N) memory), in
/// `LossSizes.rowDType` (float32 for bfloat16 operands).
struct FusedRowVectors {
    /// Views of `rows` elements each, in one dtype.
    struct Views {
        let positiveLogits: Tensor
        let logSumExp: Tensor
        let losses: Tensor
    }

    private var positiveLogits = ScratchTensor()
    private var logSumExp = ScratchTensor()
    private var losses = ScratchTensor()

    /// The vectors for `rows` rows, growing the allocations if needed.
    mutating func views(rows: Int, dtype: DType, on backend: any Backend) -> Views {
        Views(positiveLogits: positiveLogits.view([rows], dtype: dtype, on: backend),
              logSumExp: logSumExp.view([rows], dtype: dtype, on: backend),
              losses: losses.view([rows], dtype: dtype, on: backend))
    }

    /// The elements allocated for the three vectors.
    var elementCount: Int {
        positiveLogits.elementCapacity + logSumExp.elementCapacity + losses.elementCapacity
    }
}
