import RecutCore

extension CUDABackend {
    /// Ids outside the table give NaN logits (a GPU kernel cannot stop the program like the CPU op).
    /// Takes float32 throughout, or bfloat16 hidden and table with bfloat16 or float32 logits.
    public func gatheredDotForward(_ logits: Tensor, hidden: Tensor, table: Tensor, ids: Tensor,
                                   rows: Int, idsPerRow: Int, dimension: Int) {
        OperandContracts.checkGatheredDot(logits: logits, hidden: hidden, table: table, ids: ids,
                                          rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        let kernel: Kernel
        switch (logits.dtype, hidden.dtype, table.dtype) {
        case (.float32, .float32, .float32): kernel = .gatheredDotForward
        case (.bfloat16, .bfloat16, .bfloat16): kernel = .gatheredDotForwardBFloat16
        case (.float32, .bfloat16, .bfloat16): kernel = .gatheredDotForwardBFloat16FloatLogits
        default:
            preconditionFailure("CUDA backend: gatheredDotForward does not take \(logits.dtype) logits, "
                                + "\(hidden.dtype) hidden, \(table.dtype) table")
        }
        guard rows > 0, idsPerRow > 0 else { return }
        launch(kernel, grid: ((rows + 7) / 8, 1, 1), block: (256, 1, 1),
               [.address(logits.address), .address(hidden.address), .address(table.address), .address(ids.address),
                .int32(Int32(rows)), .int32(Int32(idsPerRow)), .int32(Int32(dimension)), .int64(table.count / dimension)])
    }

    /// The table gradient is summed with float atomics, so the order of additions varies between runs.
    /// Takes float32 throughout, or bfloat16 hidden, table and hidden gradient with a float32 table
    /// gradient and bfloat16 or float32 logit gradients.
    public func gatheredDotBackward(hiddenGradient: Tensor, tableGradient: Tensor, logitGradient: Tensor,
                                    hidden: Tensor, table: Tensor, ids: Tensor,
                                    rows: Int, idsPerRow: Int, dimension: Int) {
        OperandContracts.checkGatheredDot(logits: logitGradient, hidden: hidden, table: table, ids: ids,
                                          rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        let kernel: Kernel
        switch (hiddenGradient.dtype, tableGradient.dtype, logitGradient.dtype, hidden.dtype) {
        case (.float32, .float32, .float32, .float32): kernel = .gatheredDotBackward
        case (.bfloat16, .float32, .bfloat16, .bfloat16): kernel = .gatheredDotBackwardBFloat16
        case (.bfloat16, .float32, .float32, .bfloat16): kernel = .gatheredDotBackwardBFloat16FloatLogits
        default:
            preconditionFailure("CUDA backend: gatheredDotBackward does not take \(hiddenGradient.dtype) hidden "
                                + "gradient, \(tableGradient.dtype) table gradient, \(logitGradient.dtype) logit "
                                + "gradient, \(hidden.dtype) hidden and table")
        }
        precondition(hiddenGradient.count >= rows * dimension && tableGradient.count == table.count,
                     "gatheredDotBackward: gradients do not match hidden [\(rows), \(dimension)] and table")
        guard rows > 0, idsPerRow > 0 else { return }
        launch(kernel, grid: ((rows + 7) / 8, 1, 1), block: (256, 1, 1),
               [.address(hiddenGradient.address), .address(tableGradient.address), .address(logitGradient.address),
                .address(hidden.address), .address(table.address), .address(ids.address), .int32(Int32(rows)),
                .int32(Int32(idsPerRow)), .int32(Int32(dimension)), .int64(table.count / dimension)])
    }
}
