import RecutCore

extension CUDABackend {
    public func layerNormForward(_ output: Tensor, mean: Tensor, reciprocalStandardDeviation: Tensor,
                                 input: Tensor, weight: Tensor, bias: Tensor,
                                 rows: Int, dimension: Int, epsilon: Double) {
        requireFloat32("layerNormForward", output, mean, reciprocalStandardDeviation, input, weight, bias)
        precondition(output.count >= rows * dimension && input.count >= rows * dimension, "layerNormForward: tensors too small")
        precondition(mean.count >= rows && reciprocalStandardDeviation.count >= rows, "layerNormForward: statistics too small")
        guard rows > 0 else { return }
        launch(.layerNormForward, grid: (rows, 1, 1), block: (128, 1, 1),
               [.address(output.address), .address(mean.address), .address(reciprocalStandardDeviation.address),
                .address(input.address), .address(weight.address), .address(bias.address),
                .int32(Int32(rows)), .int32(Int32(dimension)), .float(Float(epsilon))])
    }

    public func layerNormBackward(_ inputGradient: Tensor, weightGradient: Tensor, biasGradient: Tensor,
                                  outputGradient: Tensor, input: Tensor, weight: Tensor,
                                  mean: Tensor, reciprocalStandardDeviation: Tensor,
                                  rows: Int, dimension: Int) {
        requireFloat32("layerNormBackward", inputGradient, weightGradient, biasGradient, outputGradient, input, weight,
                       mean, reciprocalStandardDeviation)
        precondition(inputGradient.count >= rows * dimension && outputGradient.count >= rows * dimension,
                     "layerNormBackward: tensors too small")
        guard rows > 0 else { return }
        launch(.layerNormBackwardInput, grid: (rows, 1, 1), block: (128, 1, 1),
               [.address(inputGradient.address), .address(outputGradient.address), .address(input.address),
                .address(weight.address), .address(mean.address), .address(reciprocalStandardDeviation.address),
                .int32(Int32(rows)), .int32(Int32(dimension))])
        let (chunks, rowsPerBlock) = columnReductionChunks(rows: rows, columns: dimension)
        launch(.layerNormBackwardParameters, grid: ((dimension + 31) / 32, chunks, 1), block: (32, 8, 1),
               [.address(weightGradient.address), .address(biasGradient.address), .address(outputGradient.address),
                .address(input.address), .address(mean.address), .address(reciprocalStandardDeviation.address),
                .int32(Int32(rows)), .int32(Int32(dimension)), .int32(Int32(rowsPerBlock))])
    }
}
