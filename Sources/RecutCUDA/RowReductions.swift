import RecutCore

extension CUDABackend {
    public func softmaxRows(_ output: Tensor, input: Tensor, rows: Int, columns: Int) {
        requireFloat32("softmaxRows", output, input)
        precondition(output.count >= rows * columns && input.count >= rows * columns, "softmaxRows: tensors too small")
        guard rows > 0 else { return }
        launch(.softmaxRows, grid: (rows, 1, 1), block: (256, 1, 1),
               [.address(output.address), .address(input.address), .int32(Int32(rows)), .int32(Int32(columns))])
    }

    public func logSumExpRows(_ output: Tensor, input: Tensor, rows: Int, columns: Int) {
        requireFloat32("logSumExpRows", output, input)
        precondition(output.count >= rows && input.count >= rows * columns, "logSumExpRows: tensors too small")
        guard rows > 0 else { return }
        launch(.logSumExpRows, grid: (rows, 1, 1), block: (256, 1, 1),
               [.address(output.address), .address(input.address), .int32(Int32(rows)), .int32(Int32(columns))])
    }
}
