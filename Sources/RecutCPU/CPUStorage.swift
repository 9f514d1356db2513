import RecutCore

/// Host memory holding the elements of CPU tensors, aligned for SIMD loads.
public final class CPUStorage: TensorStorage, @unchecked Sendable {
    public let elementCapacity: Int
    public let dtype: DType
    /// The first byte of the allocation.
    public let baseAddress: UnsafeMutableRawPointer
    /// The ledger that counts this allocation, if any.
    private let ledger: CPUMemoryLedger?

    /// Allocates `elementCapacity` zero-filled elements of `dtype`, counted in `ledger` until freed.
    public init(elementCapacity: Int, dtype: DType, ledger: CPUMemoryLedger? = nil) {
        self.elementCapacity = elementCapacity
        self.dtype = dtype
        self.ledger = ledger
        let byteCount = max(elementCapacity * dtype.byteSize, 1)
        baseAddress = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        baseAddress.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        ledger?.register(self)
    }

    deinit {
        ledger?.unregister(self)
        baseAddress.deallocate()
    }
}

extension Tensor {
    /// The CPU storage behind this tensor; traps if another backend made it.
    var cpuStorage: CPUStorage {
        guard let storage = storage as? CPUStorage else {
            preconditionFailure("tensor of shape \(shape) was not made by the CPU backend")
        }
        return storage
    }

    /// A typed pointer to this tensor's first element; traps when `Scalar` is not the size of
    /// the tensor's elements (bfloat16 storage read as Float, say).
    func pointer<Scalar>(as type: Scalar.Type) -> UnsafeMutablePointer<Scalar> {
        precondition(MemoryLayout<Scalar>.stride == dtype.byteSize, "reading \(dtype) elements as \(Scalar.self)")
        return cpuStorage.baseAddress.assumingMemoryBound(to: Scalar.self) + offset
    }
}
