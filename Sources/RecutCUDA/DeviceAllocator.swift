import Foundation

/// A caching allocator of device memory: freed blocks go to per-size free lists and are
/// handed out again, so the steady-state training step never calls cuMemAlloc.
///
/// The raw allocate and free functions are injected, so the bookkeeping is tested without
/// a GPU. Blocks are reused in stream order: the backend uses one stream, so a block freed
/// by one operation is safe to hand to the next.
public final class DeviceAllocator: @unchecked Sendable {
    /// Gets `bytes` of device memory from the driver.
    public typealias RawAllocate = @Sendable (Int) throws(CUDAError) -> UInt64
    /// Returns memory to the driver.
    public typealias RawFree = @Sendable (UInt64) -> Void

    /// One allocation handed out: its device address and its size class in bytes.
    public struct Block: Sendable, Hashable {
        /// The first byte on the device.
        public let address: UInt64
        /// The bytes reserved (the request rounded up to its size class).
        public let size: Int
    }

    /// Counters of the allocator's state, for tests and memory reports.
    public struct Statistics: Sendable, Equatable {
        /// Bytes in blocks handed out and not yet released.
        public var bytesInUse = 0
        /// Bytes in released blocks kept for reuse.
        public var bytesCached = 0
        /// Calls of the raw allocate function (cuMemAlloc).
        public var rawAllocations = 0
        /// Calls of the raw free function (cuMemFree).
        public var rawFrees = 0
        /// Requests served from the free lists.
        public var reuses = 0
        /// The largest `bytesInUse` since the allocator was made or `resetPeak()` was called.
        public var peakBytesInUse = 0
    }

    private let rawAllocate: RawAllocate
    private let rawFree: RawFree
    private let lock = NSLock()
    private var freeLists: [Int: [UInt64]] = [:]
    private var counters = Statistics()

    /// An allocator over the given raw functions.
    public init(allocate: @escaping RawAllocate, free: @escaping RawFree) {
        rawAllocate = allocate
        rawFree = free
    }

    /// The size class of a request: multiples of 512 bytes up to 1 MiB, of 2 MiB above.
    ///
    /// Coarse classes above 1 MiB let a batch of a slightly different size reuse the blocks
    /// of the last one; 512 bytes keeps every block aligned for vector loads.
    public static func sizeClass(for bytes: Int) -> Int {
        let small = 512, large = 2 << 20
        let request = max(bytes, 1)
        return request <= 1 << 20 ? (request + small - 1) / small * small : (request + large - 1) / large * large
    }

    /// A block of at least `bytes`: a cached one of the same class, else a new one from the
    /// driver (after emptying the cache once if the driver is out of memory).
    public func allocate(bytes: Int) throws(CUDAError) -> Block {
        let size = Self.sizeClass(for: bytes)
        let reused: UInt64? = lock.withLock {
            guard let address = freeLists[size]?.popLast() else { return nil }
            counters.bytesCached -= size
            counters.bytesInUse += size
            counters.peakBytesInUse = max(counters.peakBytesInUse, counters.bytesInUse)
            counters.reuses += 1
            return address
        }
        if let reused { return Block(address: reused, size: size) }
        let address: UInt64
        do {
            address = try rawAllocate(size)
        } catch {
            emptyCache()
            address = try rawAllocate(size)
        }
        lock.withLock {
            counters.rawAllocations += 1
            counters.bytesInUse += size
            counters.peakBytesInUse = max(counters.peakBytesInUse, counters.bytesInUse)
        }
        return Block(address: address, size: size)
    }

    /// Puts `block` on its free list for reuse.
    public func release(_ block: Block) {
        lock.withLock {
            freeLists[block.size, default: []].append(block.address)
            counters.bytesInUse -= block.size
            counters.bytesCached += block.size
        }
    }

    /// Returns every cached block to the driver.
    public func emptyCache() {
        let blocks: [UInt64] = lock.withLock {
            let all = freeLists.values.flatMap { $0 }
            freeLists.removeAll()
            counters.rawFrees += all.count
            counters.bytesCached = 0
            return all
        }
        blocks.forEach(rawFree)
    }

    /// Starts a new high-water mark at the bytes in use now (for the peak of one phase).
    public func resetPeak() {
        lock.withLock { counters.peakBytesInUse = counters.bytesInUse }
    }

    /// The current counters.
    public var statistics: Statistics { lock.withLock { counters } }
}
