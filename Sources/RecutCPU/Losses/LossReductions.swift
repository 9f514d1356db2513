import RecutCore

extension CPUBackend {
    public func countNonzero(_ ids: Tensor, count: Int) -> Int {
        precondition(ids.dtype == .int32 && ids.count >= count, "countNonzero: need \(count) int32 elements")
        let pointer = ids.pointer(as: Int32.self)
        var nonzero = 0
        for i in 0..<count where pointer[i] != 0 { nonzero += 1 }
        return nonzero
    }

    public func sum(_ tensor: Tensor, count: Int) -> Double {
        if let widened = widenedBFloat16([tensor], written: [], { t in sum(t[0], count: count) }) { return widened }
        precondition(tensor.count >= count, "sum: tensor shorter than \(count)")
        var total = 0.0
        dispatch(tensor.dtype) {
            let pointer = tensor.pointer(as: Float.self)
            for i in 0..<count { total += Double(pointer[i]) }
        } double: {
            let pointer = tensor.pointer(as: Double.self)
            for i in 0..<count { total += pointer[i] }
        }
        return total
    }

    public func accumulateSum(_ accumulator: Tensor, of tensor: Tensor, count: Int, scale: Double) {
        precondition(accumulator.dtype == .float64 && accumulator.count >= 1, "accumulateSum: the accumulator must be float64")
        accumulator.pointer(as: Double.self)[0] += scale * sum(tensor, count: count)
    }
}
