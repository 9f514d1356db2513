/// A handle to a contiguous, row-major block of elements in a backend's storage.
///
/// A tensor is a cheap value (shape, element type, storage reference, element offset):
/// views of one allocation share its storage, which lets the model keep all parameters
/// in one flat buffer with named slices.
public struct Tensor: Sendable {
    /// The extent of each dimension, outermost first.
    public let shape: [Int]
    /// The element type.
    public let dtype: DType
    /// The backend-owned allocation that holds the elements.
    public let storage: any TensorStorage
    /// The index of the first element inside `storage`.
    public let offset: Int
    /// The number of elements (the product of `shape`).
    public let count: Int

    /// Wraps `count(shape)` elements of `storage` starting at element `offset`.
    public init(shape: [Int], storage: any TensorStorage, offset: Int = 0) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "negative extent in shape \(shape)")
        precondition(offset >= 0 && offset + count <= storage.elementCapacity,
                     "view [\(offset), \(offset + count)) outside storage of \(storage.elementCapacity) elements")
        self.shape = shape
        self.dtype = storage.dtype
        self.storage = storage
        self.offset = offset
        self.count = count
    }

    /// A view of `shape` elements starting `offset` elements after this tensor's first element.
    public func view(offset: Int, shape: [Int]) -> Tensor {
        let viewCount = shape.reduce(1, *)
        precondition(offset >= 0 && offset + viewCount <= count,
                     "view [\(offset), \(offset + viewCount)) outside tensor of \(count) elements")
        return Tensor(shape: shape, storage: storage, offset: self.offset + offset)
    }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == count, "cannot reshape \(self.shape) to \(shape)")
        return Tensor(shape: shape, storage: storage, offset: offset)
    }

    /// The first `rows` rows (outermost dimension) of this tensor, for batches smaller than
    /// the buffer's capacity.
    public func prefix(rows: Int) -> Tensor {
        precondition(!shape.isEmpty && rows <= shape[0], "prefix of \(rows) rows from shape \(shape)")
        var newShape = shape
        newShape[0] = rows
        return Tensor(shape: newShape, storage: storage, offset: offset)
    }
}
