import RecutCore

extension CUDABackend {
    public func add(_ output: Tensor, _ a: Tensor, _ b: Tensor, count: Int) {
        let kernel: Kernel = switch (output.dtype, a.dtype, b.dtype) {
        case (.float32, .float32, .float32): .add
        case (.float32, .float32, .bfloat16): .addBFloat16
        default: preconditionFailure("CUDA backend: add does not take \(output.dtype) = \(a.dtype) + \(b.dtype)")
        }
        precondition(output.count >= count && a.count >= count && b.count >= count, "add: tensors shorter than \(count)")
        launchElementwise(kernel, count: count, [.address(output.address), .address(a.address), .address(b.address), .int64(count)])
    }

    public func addScaled(_ output: Tensor, _ input: Tensor, scale: Double, count: Int) {
        requireFloat32("addScaled", output, input)
        precondition(output.count >= count && input.count >= count, "addScaled: tensors shorter than \(count)")
        launchElementwise(.addScaled, count: count,
                          [.address(output.address), .address(input.address), .float(Float(scale)), .int64(count)])
    }

    public func scale(_ tensor: Tensor, by factor: Double, count: Int) {
        requireFloat32("scale", tensor)
        precondition(tensor.count >= count, "scale: tensor shorter than \(count)")
        launchElementwise(.scale, count: count, [.address(tensor.address), .float(Float(factor)), .int64(count)])
    }

    /// Sums float64 partials per block on the device, then the partials in block order on the host.
    public func sumOfSquares(_ tensor: Tensor, count: Int) -> Double {
        requireFloat32("sumOfSquares", tensor)
        precondition(tensor.count >= count, "sumOfSquares: tensor shorter than \(count)")
        guard count > 0 else { return 0 }
        let blocks = min((count + 255) / 256, 1024)
        let partials = allocateTensor(shape: [blocks], dtype: .float64)
        launch(.sumOfSquaresPartials, grid: (blocks, 1, 1), block: (256, 1, 1),
               [.address(partials.address), .address(tensor.address), .int64(count)])
        let values: [Double] = download(partials)
        return values.reduce(0, +)
    }
}
