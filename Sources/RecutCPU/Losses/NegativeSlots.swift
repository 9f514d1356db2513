import RecutCore

/// Where the sampled loss kernels find row r's negative ids, and which of them count.
///
/// Row r reads ids row r / rowsPerNegativeRow; a slot whose id is 0 (empty) or equals
/// the row's target (a collision) is excluded from the loss.
struct NegativeSlots {
    let ids: UnsafeMutablePointer<Int32>
    let negatives: Int
    let rowsPerNegativeRow: Int

    /// Checks that `ids` holds the negatives of `rows` rows and wraps it.
    init(ids tensor: Tensor, rows: Int, negatives: Int, rowsPerNegativeRow: Int) {
        precondition(tensor.dtype == .int32, "negative ids must be int32, not \(tensor.dtype)")
        precondition(negatives >= 0 && rowsPerNegativeRow >= 1, "negatives \(negatives), rows per negative row \(rowsPerNegativeRow)")
        let idRows = rows == 0 ? 0 : (rows - 1) / rowsPerNegativeRow + 1
        precondition(tensor.count >= idRows * negatives,
                     "negative ids of \(tensor.count) elements hold fewer than \(idRows) rows of \(negatives)")
        ids = tensor.pointer(as: Int32.self)
        self.negatives = negatives
        self.rowsPerNegativeRow = rowsPerNegativeRow
    }

    /// The index of row r's first negative among the ids.
    @inline(__always)
    func firstSlot(ofRow r: Int) -> Int { (r / rowsPerNegativeRow) * negatives }

    /// Whether the negative in `slot` takes part in the loss of a row whose target is `target`.
    @inline(__always)
    func counts(_ slot: Int, target: Int32) -> Bool {
        let id = ids[slot]
        return id != 0 && id != target
    }
}

/// The log-q correction log K + log q of each negative slot, 0 without a correction.
struct LogQShift<S: CPUScalar> {
    private let values: UnsafeMutablePointer<S>?
    private let perItem: Bool
    private let logNegatives: S

    /// Reads `correction` (nil for none) for rows of `negatives` negatives.
    init(_ correction: LogQCorrection?, negatives: Int, dtype: DType) {
        logNegatives = S.logarithm(S(max(negatives, 1)))
        switch correction {
        case nil:
            values = nil
            perItem = false
        case .perItem(let table):
            precondition(table.dtype == dtype, "log q is \(table.dtype), logits are \(dtype)")
            values = table.pointer(as: S.self)
            perItem = true
        case .perNegative(let table):
            precondition(table.dtype == dtype, "log q is \(table.dtype), logits are \(dtype)")
            values = table.pointer(as: S.self)
            perItem = false
        }
    }

    /// The amount subtracted from the logit of the negative in `slot` with item `id`.
    @inline(__always)
    func shift(slot: Int, id: Int32) -> S {
        guard let values else { return 0 }
        return logNegatives + (perItem ? values[Int(id)] : values[slot])
    }
}
