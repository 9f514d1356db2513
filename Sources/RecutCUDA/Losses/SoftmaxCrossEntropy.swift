import RecutCore

extension CUDABackend {
    /// A target at or above `columns` gives a NaN loss (a GPU kernel cannot stop the program like the CPU op).
    public func softmaxCrossEntropy(_ losses: Tensor, logits: Tensor, targets: Tensor,
                                    rows: Int, columns: Int, firstColumn: Int, gradientScale: Double) {
        requireFloat32("softmaxCrossEntropy", losses, logits)
        precondition(losses.count >= rows && logits.count >= rows * columns,
                     "softmaxCrossEntropy: tensors smaller than \(rows) rows of \(columns)")
        precondition(targets.dtype == .int32 && targets.count >= rows, "softmaxCrossEntropy: need \(rows) int32 targets")
        precondition(firstColumn >= 0 && firstColumn < columns, "softmaxCrossEntropy: first column \(firstColumn) of \(columns)")
        guard rows > 0 else { return }
        launch(.softmaxCrossEntropy, grid: (rows, 1, 1), block: (512, 1, 1),
               [.address(losses.address), .address(logits.address), .address(targets.address), .int32(Int32(rows)),
                .int64(columns), .int32(Int32(firstColumn)), .float(Float(gradientScale))])
    }
}
