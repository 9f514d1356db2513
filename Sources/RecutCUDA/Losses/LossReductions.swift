import RecutCore

extension CUDABackend {
    /// Counts on the device and reads back one 8-byte word.
    public func countNonzero(_ ids: Tensor, count: Int) -> Int {
        precondition(ids.dtype == .int32 && ids.count >= count, "countNonzero: need \(count) int32 elements")
        guard count > 0 else { return 0 }
        return Int(reduceToWord(.countNonzero, tensor: ids, count: count))
    }

    /// Sums in float64 on the device (block partials added atomically, so the last bits
    /// may vary between runs) and reads back one 8-byte word.
    public func sum(_ tensor: Tensor, count: Int) -> Double {
        requireFloat32("sum", tensor)
        precondition(tensor.count >= count, "sum: tensor shorter than \(count)")
        guard count > 0 else { return 0 }
        return Double(bitPattern: reduceToWord(.accumulateSum, tensor: tensor, count: count, extra: [.double(1)]))
    }

    /// Block partials, scaled, added atomically into the accumulator; nothing is read back.
    public func accumulateSum(_ accumulator: Tensor, of tensor: Tensor, count: Int, scale: Double) {
        requireFloat32("accumulateSum", tensor)
        precondition(accumulator.dtype == .float64 && accumulator.count >= 1, "accumulateSum: the accumulator must be float64")
        precondition(tensor.count >= count, "accumulateSum: tensor shorter than \(count)")
        guard count > 0 else { return }
        launchReduction(.accumulateSum, into: accumulator, tensor: tensor, count: count, extra: [.double(scale)])
    }

    /// Runs a reduction kernel into a zeroed 8-byte result and returns its bits.
    private func reduceToWord(_ kernel: Kernel, tensor: Tensor, count: Int, extra: [KernelArgument] = []) -> UInt64 {
        let result = allocateTensor(shape: [1], dtype: .float64)
        must { () throws(CUDAError) in try driver.fill32(result.address, pattern: 0, count: 2) }
        launchReduction(kernel, into: result, tensor: tensor, count: count, extra: extra)
        return readBack(bytes: 8, from: result.address) { $0.load(as: UInt64.self) }
    }

    /// Launches a reduction kernel that adds its block partials into `result`'s first word.
    private func launchReduction(_ kernel: Kernel, into result: Tensor, tensor: Tensor, count: Int,
                                 extra: [KernelArgument]) {
        let blocks = min((count + 255) / 256, driver.multiprocessorCount * 4)
        launch(kernel, grid: (blocks, 1, 1), block: (256, 1, 1),
               [.address(result.address), .address(tensor.address), .int64(count)] + extra)
    }
}
