/// The operand sizes each backend op requires, checked once here for every backend.
///
/// A backend's kernels differ; what an op accepts does not, so its preconditions live beside
/// the protocol instead of being repeated in each backend.
public enum OperandContracts {
    /// Every operand of a (batched) matrix product holds the last matrix its strides reach.
    public static func checkBatchedMatmul(output: Tensor, a: Tensor, b: Tensor,
                                          rows: Int, columns: Int, inner: Int,
                                          batchCount: Int, outputStride: Int, aStride: Int, bStride: Int) {
        precondition(output.count >= (batchCount - 1) * outputStride + rows * columns, "matmul output too small")
        precondition(a.count >= (batchCount - 1) * aStride + rows * inner, "matmul operand a too small")
        precondition(b.count >= (batchCount - 1) * bStride + inner * columns, "matmul operand b too small")
    }

    /// Ids, logits, hidden states and table fit a gathered dot of `rows` x `idsPerRow`.
    public static func checkGatheredDot(logits: Tensor, hidden: Tensor, table: Tensor, ids: Tensor,
                                        rows: Int, idsPerRow: Int, dimension: Int) {
        precondition(ids.dtype == .int32 && ids.count >= rows * idsPerRow,
                     "gathered dot: need \(rows * idsPerRow) int32 ids, have \(ids.count) \(ids.dtype)")
        precondition(logits.count >= rows * idsPerRow && hidden.count >= rows * dimension,
                     "gathered dot: logits or hidden smaller than \(rows) rows")
        precondition(dimension > 0 && table.count % dimension == 0,
                     "gathered dot: table of \(table.count) elements is not rows of \(dimension)")
        precondition(hidden.dtype == table.dtype
                     && (logits.dtype == hidden.dtype || (hidden.dtype == .bfloat16 && logits.dtype == .float32)),
                     "gathered dot: logits, hidden and table must share one dtype, or logits be float32 "
                     + "beside bfloat16 hidden and table")
    }
}
