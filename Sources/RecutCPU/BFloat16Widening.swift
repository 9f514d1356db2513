import RecutCore

extension CPUBackend {
    /// Runs `operation` on float32 copies of the bfloat16 operands among `operands` and rounds
    /// the copies of the operands at `written` back, when any operand is bfloat16.
    ///
    /// This is the CPU twin of a GPU kernel that loads bfloat16, computes in float32 and
    /// rounds at the store. Copies are whole tensors, so in-place and accumulating ops see the
    /// current values; float32 and int32 operands pass through untouched. Returns nil (running
    /// nothing) when no operand is bfloat16, so the caller goes on to its own kernels.
    func widenedBFloat16<Result>(_ operands: [Tensor], written: [Int],
                                 _ operation: ([Tensor]) -> Result) -> Result? {
        guard operands.contains(where: { $0.dtype == .bfloat16 }) else { return nil }
        precondition(!operands.contains { $0.dtype == .float64 }, "bfloat16 operands cannot mix with float64 ones")
        let wide = operands.map { operand -> Tensor in
            guard operand.dtype == .bfloat16 else { return operand }
            let copy = makeTensor(shape: operand.shape, dtype: .float32)
            self.copy(copy, from: operand)
            return copy
        }
        let result = operation(wide)
        for index in written where operands[index].dtype == .bfloat16 { copy(operands[index], from: wide[index]) }
        return result
    }
}
