import Foundation
import RecutCore

/// Counts the bytes held by the tensors of one CPU backend, for memory reports without a GPU.
///
/// Every `CPUStorage` the backend makes registers here until it is freed, so `bytesInUse`
/// after a training step is what the model, optimizer, loss and inputs keep between steps,
/// and `liveAllocations` says which buffers those are. The peak also sees the short-lived
/// float32 copies that widen bfloat16 operands, which a GPU backend does not make.
public final class CPUMemoryLedger: @unchecked Sendable {
    /// One live allocation: its element count and dtype.
    public struct Allocation: Sendable, Hashable {
        /// The number of elements.
        public let elementCount: Int
        /// The element type.
        public let dtype: DType
        /// The bytes it holds.
        public var bytes: Int { elementCount * dtype.byteSize }
    }

    private let lock = NSLock()
    private var live: [ObjectIdentifier: Allocation] = [:]
    private var inUse = 0
    private var peak = 0

    /// An empty ledger.
    public init() {}

    /// Bytes in allocations not yet freed.
    public var bytesInUse: Int { lock.withLock { inUse } }

    /// The largest `bytesInUse` since the ledger was made or `resetPeak()` was called.
    public var peakBytesInUse: Int { lock.withLock { peak } }

    /// The allocations not yet freed, in no particular order.
    public var liveAllocations: [Allocation] { lock.withLock { Array(live.values) } }

    /// Starts a new high-water mark at the bytes in use now.
    public func resetPeak() {
        lock.withLock { peak = inUse }
    }

    func register(_ storage: CPUStorage) {
        let allocation = Allocation(elementCount: storage.elementCapacity, dtype: storage.dtype)
        lock.withLock {
            live[ObjectIdentifier(storage)] = allocation
            inUse += allocation.bytes
            peak = max(peak, inUse)
        }
    }

    func unregister(_ storage: CPUStorage) {
        lock.withLock {
            if let allocation = live.removeValue(forKey: ObjectIdentifier(storage)) { inUse -= allocation.bytes }
        }
    }
}
