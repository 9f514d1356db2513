import RecutCore

extension CUDABackend {
    public func clearGateIfNonFinite(_ gate: Tensor, values: Tensor, count: Int) {
        requireFloat32("clearGateIfNonFinite gate", gate)
        precondition(values.count >= count, "clearGateIfNonFinite: values shorter than \(count)")
        let kernel: Kernel = switch values.dtype {
        case .float32: .clearGateIfNonFinite
        case .float64: .clearGateIfNonFiniteDouble
        default: preconditionFailure("clearGateIfNonFinite: values must be float32 or float64, not \(values.dtype)")
        }
        launchElementwise(kernel, count: count, [.address(gate.address), .address(values.address), .int64(count)])
    }

    public func commitGated(_ stepValue: Tensor, gate: Tensor, total: Tensor, skipped: Tensor) {
        requireFloat32("commitGated gate", gate)
        precondition([stepValue, total, skipped].allSatisfy { $0.dtype == .float64 }, "commitGated: float64 values")
        launch(.commitGated, grid: (1, 1, 1), block: (1, 1, 1),
               [.address(total.address), .address(skipped.address), .address(stepValue.address), .address(gate.address)])
    }
}
