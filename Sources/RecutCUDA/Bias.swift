import RecutCore

extension CUDABackend {
    public func addBias(_ output: Tensor, bias: Tensor, rows: Int, columns: Int) {
        requireFloat32("addBias", output, bias)
        precondition(output.count >= rows * columns && bias.count >= columns, "addBias: tensors too small")
        launchElementwise(.addBias, count: rows * columns,
                          [.address(output.address), .address(bias.address), .int64(rows), .int32(Int32(columns))])
    }

    public func biasBackward(_ biasGradient: Tensor, outputGradient: Tensor, rows: Int, columns: Int) {
        requireFloat32("biasBackward", biasGradient, outputGradient)
        precondition(outputGradient.count >= rows * columns && biasGradient.count >= columns,
                     "biasBackward: tensors too small")
        guard columns > 0 else { return }
        launch(.biasBackward, grid: ((columns + 31) / 32, 1, 1), block: (32, 8, 1),
               [.address(biasGradient.address), .address(outputGradient.address),
                .int32(Int32(rows)), .int32(Int32(columns))])
    }
}
