import RecutCore

extension CPUBackend {
    public func clearGateIfNonFinite(_ gate: Tensor, values: Tensor, count: Int) {
        precondition(gate.dtype == .float32 && gate.count >= 1, "clearGateIfNonFinite: the gate must be float32")
        precondition(values.count >= count, "clearGateIfNonFinite: values shorter than \(count)")
        let finite = switch values.dtype {
        case .float32: UnsafeBufferPointer(start: values.pointer(as: Float.self), count: count).allSatisfy(\.isFinite)
        case .float64: UnsafeBufferPointer(start: values.pointer(as: Double.self), count: count).allSatisfy(\.isFinite)
        default: preconditionFailure("clearGateIfNonFinite: values must be float32 or float64, not \(values.dtype)")
        }
        if !finite { gate.pointer(as: Float.self)[0] = 0 }
    }

    public func commitGated(_ stepValue: Tensor, gate: Tensor, total: Tensor, skipped: Tensor) {
        precondition([stepValue, total, skipped].allSatisfy { $0.dtype == .float64 } && gate.dtype == .float32,
                     "commitGated: float64 values and a float32 gate")
        if stepGateIsClosed(gate) {
            skipped.pointer(as: Double.self)[0] += 1
        } else {
            total.pointer(as: Double.self)[0] += stepValue.pointer(as: Double.self)[0]
        }
    }

    /// Whether `gate` (float32 [1]) holds anything but 1: the step is skipped.
    func stepGateIsClosed(_ gate: Tensor) -> Bool {
        precondition(gate.dtype == .float32 && gate.count >= 1, "the step gate must be float32")
        return gate.pointer(as: Float.self)[0] != 1
    }
}
