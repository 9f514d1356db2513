import RecutCore

/// Device memory holding the elements of CUDA tensors; returns its block to the allocator when freed.
public final class CUDAStorage: TensorStorage, @unchecked Sendable {
    public let elementCapacity: Int
    public let dtype: DType
    /// The allocator block behind this storage.
    let block: DeviceAllocator.Block
    private let allocator: DeviceAllocator

    init(elementCapacity: Int, dtype: DType, allocator: DeviceAllocator) throws(CUDAError) {
        self.elementCapacity = elementCapacity
        self.dtype = dtype
        self.allocator = allocator
        block = try allocator.allocate(bytes: elementCapacity * dtype.byteSize)
    }

    deinit { allocator.release(block) }
}

extension Tensor {
    /// The CUDA storage behind this tensor; traps if another backend made it.
    var cudaStorage: CUDAStorage {
        guard let storage = storage as? CUDAStorage else {
            preconditionFailure("tensor of shape \(shape) was not made by the CUDA backend")
        }
        return storage
    }

    /// The device address of this tensor's first element.
    var address: UInt64 { cudaStorage.block.address + UInt64(offset * dtype.byteSize) }
}
