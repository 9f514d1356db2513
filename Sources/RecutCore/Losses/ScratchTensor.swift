/// A backend allocation a loss reuses from step to step, reallocated only when a step
/// needs more elements or another dtype than it holds.
struct ScratchTensor {
    private var allocation: Tensor?

    /// The number of elements allocated so far (0 before the first view).
    var elementCapacity: Int { allocation?.count ?? 0 }

    /// A view of `shape` at the start of the allocation, growing it if needed.
    mutating func view(_ shape: [Int], dtype: DType, on backend: any Backend) -> Tensor {
        let count = shape.reduce(1, *)
        if let allocation, allocation.count >= count, allocation.dtype == dtype {
            return allocation.view(offset: 0, shape: shape)
        }
        let fresh = backend.makeTensor(shape: [max(count, 1)], dtype: dtype)
        allocation = fresh
        return fresh.view(offset: 0, shape: shape)
    }
}
