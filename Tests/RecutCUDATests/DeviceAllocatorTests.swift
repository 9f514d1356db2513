import Foundation
import RecutCUDA
import Testing

/// A fake device: hands out increasing addresses and records frees, optionally running out.
final class FakeDevice: @unchecked Sendable {
    private let lock = NSLock()
    private var next: UInt64 = 0x1000
    private(set) var live: [UInt64: Int] = [:]
    var capacity = Int.max

    func allocate(_ bytes: Int) throws(CUDAError) -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        guard live.values.reduce(0, +) + bytes <= capacity else {
            throw CUDAError.driverCall(call: "cuMemAlloc", code: 2, name: "CUDA_ERROR_OUT_OF_MEMORY", message: "")
        }
        defer { next += UInt64(bytes) }
        live[next] = bytes
        return next
    }

    func free(_ address: UInt64) { lock.withLock { _ = live.removeValue(forKey: address) } }

    func allocator() -> DeviceAllocator {
        DeviceAllocator(allocate: { bytes throws(CUDAError) in try self.allocate(bytes) }, free: { self.free($0) })
    }
}

@Suite struct DeviceAllocatorTests {
    @Test func sizeClassesRoundUpAndStayAligned() {
        #expect(DeviceAllocator.sizeClass(for: 0) == 512)
        #expect(DeviceAllocator.sizeClass(for: 1) == 512)
        #expect(DeviceAllocator.sizeClass(for: 513) == 1024)
        #expect(DeviceAllocator.sizeClass(for: 1 << 20) == 1 << 20)
        #expect(DeviceAllocator.sizeClass(for: (1 << 20) + 1) == 2 << 20)
        #expect(DeviceAllocator.sizeClass(for: 5 << 20) == 6 << 20)
    }

    @Test func steadyStateReusesBlocksWithoutNewDriverAllocations() throws {
        let device = FakeDevice(), allocator = device.allocator()
        for _ in 0..<5 {
            let blocks = try [1000, 4096, 3 << 20, 1000].map { try allocator.allocate(bytes: $0) }
            #expect(Set(blocks.map(\.address)).count == 4)
            blocks.forEach(allocator.release)
        }
        let statistics = allocator.statistics
        #expect(statistics.rawAllocations == 4)
        #expect(statistics.reuses == 16)
        #expect(statistics.bytesInUse == 0)
        #expect(statistics.bytesCached == 1024 + 4096 + (4 << 20) + 1024)
        #expect(device.live.count == 4)
    }

    @Test func bytesInUseFollowAllocationsAndReleases() throws {
        let allocator = FakeDevice().allocator()
        let a = try allocator.allocate(bytes: 100), b = try allocator.allocate(bytes: 600)
        #expect(allocator.statistics.bytesInUse == 512 + 1024)
        allocator.release(a)
        #expect(allocator.statistics.bytesInUse == 1024 && allocator.statistics.bytesCached == 512)
        let c = try allocator.allocate(bytes: 500)
        #expect(c.address == a.address && c.size == 512)
        allocator.release(b)
        allocator.release(c)
    }

    @Test func peakBytesInUseKeepTheHighWaterMarkUntilReset() throws {
        let allocator = FakeDevice().allocator()
        let a = try allocator.allocate(bytes: 100), b = try allocator.allocate(bytes: 600)
        allocator.release(b)
        #expect(allocator.statistics.peakBytesInUse == 512 + 1024)
        allocator.resetPeak()
        #expect(allocator.statistics.peakBytesInUse == 512)
        allocator.release(try allocator.allocate(bytes: 600))
        #expect(allocator.statistics.peakBytesInUse == 512 + 1024)
        allocator.release(a)
    }

    @Test func emptyCacheReturnsEveryCachedBlockToTheDriver() throws {
        let device = FakeDevice(), allocator = device.allocator()
        let blocks = try (1...3).map { try allocator.allocate(bytes: $0 * 10_000) }
        blocks.forEach(allocator.release)
        allocator.emptyCache()
        #expect(device.live.isEmpty)
        #expect(allocator.statistics.rawFrees == 3 && allocator.statistics.bytesCached == 0)
    }

    @Test func outOfMemoryEmptiesTheCacheAndRetries() throws {
        let device = FakeDevice(), allocator = device.allocator()
        device.capacity = 4 << 20
        allocator.release(try allocator.allocate(bytes: 3 << 20))
        let block = try allocator.allocate(bytes: 2 << 20)
        #expect(block.size == 2 << 20 && allocator.statistics.rawFrees == 1)
        #expect {
            _ = try allocator.allocate(bytes: 3 << 20)
        } throws: { error in
            (error as? CUDAError).map { "\($0)".hasPrefix("cuMemAlloc failed") } ?? false
        }
    }
}
