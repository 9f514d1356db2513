import RecutCore

extension CUDABackend {
    /// Ids outside the table give NaN logits (a GPU kernel cannot stop the program like the CPU op).
    public func gatheredDotForward(_ logits: Tensor, hidden: Tensor, table: Tensor, ids: Tensor,
                                   rows: Int, idsPerRow: Int, dimension: Int) {
        checkGatheredDot(logits, hidden, table, ids, rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        guard rows > 0, idsPerRow > 0 else { return }
        launch(.gatheredDotForward, grid: ((rows + 7) / 8, 1, 1), block: (256, 1, 1),
               [.address(logits.address), .address(hidden.address), .address(table.address), .address(ids.address),
                .int32(Int32(rows)), .int32(Int32(idsPerRow)), .int32(Int32(dimension)), .int64(table.count / dimension)])
    }

    /// The table gradient is summed with float atomics, so the order of additions varies between runs.
    public func gatheredDotBackward(hiddenGradient: Tensor, tableGradient: Tensor, logitGradient: Tensor,
                                    hidden: Tensor, table: Tensor, ids: Tensor,
                                    rows: Int, idsPerRow: Int, dimension: Int) {
        checkGatheredDot(logitGradient, hidden, table, ids, rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        requireFloat32("gatheredDotBackward", hiddenGradient, tableGradient)
        precondition(hiddenGradient.count >= rows * dimension && tableGradient.count == table.count,
                     "gatheredDotBackward: gradients do not match hidden [\(rows), \(dimension)] and table")
        guard rows > 0, idsPerRow > 0 else { return }
        launch(.gatheredDotBackward, grid: ((rows + 7) / 8, 1, 1), block: (256, 1, 1),
               [.address(hiddenGradient.address), .address(tableGradient.address), .address(logitGradient.address),
                .address(hidden.address), .address(table.address), .address(ids.address), .int32(Int32(rows)),
                .int32(Int32(idsPerRow)), .int32(Int32(dimension)), .int64(table.count / dimension)])
    }

    private func checkGatheredDot(_ logits: Tensor, _ hidden: Tensor, _ table: Tensor, _ ids: Tensor,
                                  rows: Int, idsPerRow: Int, dimension: Int) {
        requireFloat32("gathered dot", logits, hidden, table)
        OperandContracts.checkGatheredDot(logits: logits, hidden: hidden, table: table, ids: ids,
                                          rows: rows, idsPerRow: idsPerRow, dimension: dimension)
    }
}
