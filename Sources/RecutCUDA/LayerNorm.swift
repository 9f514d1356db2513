import RecutCore

extension CUDABackend {
    public func layerNormForward(_ output: Tensor, mean: Tensor, reciprocalStandardDeviation: Tensor,
                                 input: Tensor, weight: Tensor, bias: Tensor,
                                 rows: Int, dimension: Int, epsilon: Double) {
        requireFloat32("layerNormForward", mean, reciprocalStandardDeviation, input, weight, bias)
        let kernel: Kernel = switch output.dtype {
        case .float32: .layerNormForward
        case .bfloat16: .layerNormForwardBFloat16
        default: preconditionFailure("CUDA backend: layerNormForward does not take a \(output.dtype) output")
        }
        precondition(output.count >= rows * dimension && input.count >= rows * dimension, "layerNormForward: tensors too small")
        precondition(mean.count >= rows && reciprocalStandardDeviation.count >= rows, "layerNormForward: statistics too small")
        guard rows > 0 else { return }
        launch(kernel, grid: (rows, 1, 1), block: (128, 1, 1),
               [.address(output.address), .address(mean.address), .address(reciprocalStandardDeviation.address),
                .address(input.address), .address(weight.address), .address(bias.address),
                .int32(Int32(rows)), .int32(Int32(dimension)), .float(Float(epsilon))])
    }

    public func layerNormBackward(_ inputGradient: Tensor, weightGradient: Tensor, biasGradient: Tensor,
                                  outputGradient: Tensor, input: Tensor, weight: Tensor,
                                  mean: Tensor, reciprocalStandardDeviation: Tensor,
                                  rows: Int, dimension: Int) {
        requireFloat32("layerNormBackward", inputGradient, weightGradient, biasGradient, input, weight,
                       mean, reciprocalStandardDeviation)
        let (inputKernel, parametersKernel): (Kernel, Kernel) = switch outputGradient.dtype {
        case .float32: (.layerNormBackwardInput, .layerNormBackwardParameters)
        case .bfloat16: (.layerNormBackwardInputBFloat16, .layerNormBackwardParametersBFloat16)
        default: preconditionFailure("CUDA backend: layerNormBackward does not take a \(outputGradient.dtype) outputGradient")
        }
        precondition(inputGradient.count >= rows * dimension && outputGradient.count >= rows * dimension,
                     "layerNormBackward: tensors too small")
        guard rows > 0 else { return }
        launch(inputKernel, grid: (rows, 1, 1), block: (128, 1, 1),
               [.address(inputGradient.address), .address(outputGradient.address), .address(input.address),
                .address(weight.address), .address(mean.address), .address(reciprocalStandardDeviation.address),
                .int32(Int32(rows)), .int32(Int32(dimension))])
        let (chunks, rowsPerBlock) = columnReductionChunks(rows: rows, columns: dimension)
        launch(parametersKernel, grid: ((dimension + 31) / 32, chunks, 1), block: (32, 8, 1),
               [.address(weightGradient.address), .address(biasGradient.address), .address(outputGradient.address),
                .address(input.address), .address(mean.address), .address(reciprocalStandardDeviation.address),
                .int32(Int32(rows)), .int32(Int32(dimension)), .int32(Int32(rowsPerBlock))])
    }
}
