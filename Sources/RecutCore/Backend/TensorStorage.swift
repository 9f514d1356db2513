/// Memory owned by a backend that holds the elements of one or more tensors.
///
/// Each backend defines its own storage class (host memory, device memory); tensors only
/// carry a reference to it, so views into one allocation (a flat parameter buffer) are free.
public protocol TensorStorage: AnyObject, Sendable {
    /// The number of elements the allocation holds.
    var elementCapacity: Int { get }
    /// The element type of the allocation.
    var dtype: DType { get }
}
