/// A ring of pinned host buffers that every host-device copy passes through.
///
/// A write fills the next buffer of the ring and queues its copy on the stream behind the work
/// already queued, without waiting for it; the host waits only when it comes back to a buffer
/// whose copy has not run yet. Writing a step's batch therefore does not drain the GPU's queue,
/// and kernels queued after a write still see the written values (same stream). A read takes
/// the next buffer too, and waits for its own copy.
final class PinnedStaging {
    private struct Slot {
        var buffer: UnsafeMutableRawPointer?
        var bytes = 0
        let copied: UnsafeMutableRawPointer
    }

    private let driver: CUDADriver
    private var slots: [Slot]
    private var next = 0

    /// A ring of `count` buffers (grown on demand) with one event each.
    init(driver: CUDADriver, count: Int = 4) throws(CUDAError) {
        self.driver = driver
        var slots: [Slot] = []
        for _ in 0..<count { slots.append(Slot(copied: try driver.makeEvent())) }
        self.slots = slots
    }

    /// Lets `fill` write `bytes` into a free pinned buffer, then queues their copy to `destination`
    /// on the compute stream, or on the copy stream when `beside`.
    func write(bytes: Int, to destination: UInt64, beside: Bool = false,
               _ fill: (UnsafeMutableRawPointer) -> Void) throws(CUDAError) {
        let index = try claim(bytes: bytes)
        let buffer = slots[index].buffer!
        fill(buffer)
        try driver.copyToDevice(destination, from: buffer, bytes: bytes, beside: beside)
        try driver.record(slots[index].copied, beside: beside)
    }

    /// Copies `bytes` from `source` into a free pinned buffer once the queued work has run, and
    /// returns what `read` makes of them.
    func read<T>(bytes: Int, from source: UInt64, _ read: (UnsafeMutableRawPointer) -> T) throws(CUDAError) -> T {
        let buffer = slots[try claim(bytes: bytes)].buffer!
        try driver.copyToHost(buffer, from: source, bytes: bytes)
        try driver.synchronize()
        return read(buffer)
    }

    /// The next slot of the ring, once its last copy has run, with room for `bytes`.
    private func claim(bytes: Int) throws(CUDAError) -> Int {
        let index = next
        next = (next + 1) % slots.count
        try driver.wait(for: slots[index].copied)
        if bytes > slots[index].bytes {
            if let old = slots[index].buffer { try driver.freePinned(old) }
            slots[index].buffer = nil
            let size = max(bytes, 1 << 20)
            slots[index].buffer = try driver.allocatePinned(bytes: size)
            slots[index].bytes = size
        }
        return index
    }
}
