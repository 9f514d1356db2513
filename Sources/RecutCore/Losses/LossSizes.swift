/// The sizes of one loss call (N positions, dimension d, C items), checked against the tensors.
///
/// H, E and dH share one dtype; dE shares it too, or is float32 for bfloat16 operands (the
/// model's float32 master gradient, as `MixedPrecision` says).
struct LossSizes {
    /// N, the number of positions (rows of H) the call covers.
    let positions: Int
    /// d, the width of H and E.
    let dimension: Int
    /// C, the number of items (E has C + 1 rows; row 0 is padding).
    let itemCount: Int
    /// The dtype of the per-row vectors (losses, log-sum-exp, the fused losses' positive
    /// logits) and of the log-q correction: float32 for bfloat16 operands, else theirs.
    let rowDType: DType

    /// Reads the sizes and traps with a message naming the mismatch.
    init(hidden: Tensor, itemTable: Tensor, hiddenGradient: Tensor, itemTableGradient: Tensor,
         targets: Tensor, positions: Int) {
        precondition(itemTable.shape.count == 2 && itemTable.shape[0] >= 2,
                     "item table must be [C + 1, d] with at least one item, not \(itemTable.shape)")
        let dimension = itemTable.shape[1]
        precondition(positions >= 0 && hidden.count >= positions * dimension,
                     "hidden states of \(hidden.count) elements hold fewer than \(positions) rows of \(dimension)")
        precondition(hiddenGradient.count >= positions * dimension,
                     "hidden gradient of \(hiddenGradient.count) elements holds fewer than \(positions) rows of \(dimension)")
        precondition(itemTableGradient.count == itemTable.count,
                     "item-table gradient has \(itemTableGradient.count) elements, the table \(itemTable.count)")
        precondition(targets.dtype == .int32 && targets.count >= positions,
                     "targets must be at least \(positions) int32 ids, not \(targets.count) \(targets.dtype)")
        precondition(hidden.dtype == itemTable.dtype && hidden.dtype == hiddenGradient.dtype
                     && (itemTableGradient.dtype == hidden.dtype
                         || (hidden.dtype == .bfloat16 && itemTableGradient.dtype == .float32)),
                     "hidden states, item table and their gradients must share one dtype, or be bfloat16 with "
                     + "a float32 item-table gradient, not \(hidden.dtype), \(itemTable.dtype), "
                     + "\(hiddenGradient.dtype), \(itemTableGradient.dtype)")
        self.positions = positions
        self.dimension = dimension
        self.itemCount = itemTable.shape[0] - 1
        self.rowDType = hidden.dtype == .bfloat16 ? .float32 : hidden.dtype
    }
}
