import CCUDA

/// One GPU through the driver API: its primary context, one compute stream, memory copies,
/// module loading and kernel launches, every call's result checked.
///
/// All kernels go to the one compute stream, so device memory released by the allocator may
/// be reused by the next operation without further synchronisation. A second stream carries
/// only staged host-to-device copies into buffers the caller double-buffers
/// (`Backend.stageWrite`), ordered against the compute stream by events.
public final class CUDADriver: @unchecked Sendable {
    let api: ccuda_driver_api
    let context: UnsafeMutableRawPointer
    let stream: UnsafeMutableRawPointer
    /// The stream of staged host-to-device copies, which run beside the compute stream's kernels.
    let copyStream: UnsafeMutableRawPointer
    /// The device's name as the driver reports it ("NVIDIA H100 80GB HBM3").
    public let deviceName: String
    /// The compute capability as one number (90 for sm_90).
    public let architecture: Int
    /// The number of streaming multiprocessors.
    public let multiprocessorCount: Int
    /// The most shared memory one block may ask for once its kernel's limit is raised (opt-in).
    public let maximumSharedBytesPerBlock: Int
    /// The driver's CUDA version (13000 for CUDA 13.0).
    public let driverVersion: Int32

    /// Loads libcuda.so.1, initialises the driver and opens device `ordinal`.
    public init(ordinal: Int = 0) throws(CUDAError) {
        let api = try CUDALibraries.loadDriver()
        self.api = api
        try Self.check(api, api.cuInit!(0), "cuInit")
        var version: Int32 = 0
        try Self.check(api, api.cuDriverGetVersion!(&version), "cuDriverGetVersion")
        driverVersion = version
        var count: Int32 = 0
        try Self.check(api, api.cuDeviceGetCount!(&count), "cuDeviceGetCount")
        guard ordinal < count else { throw .noDevice }
        var device: Int32 = 0
        try Self.check(api, api.cuDeviceGet!(&device, Int32(ordinal)), "cuDeviceGet")
        var name = [CChar](repeating: 0, count: 256)
        try Self.check(api, api.cuDeviceGetName!(&name, Int32(name.count), device), "cuDeviceGetName")
        deviceName = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        func attribute(_ code: Int32, _ what: String) throws(CUDAError) -> Int {
            var value: Int32 = 0
            try Self.check(api, api.cuDeviceGetAttribute!(&value, code, device), "cuDeviceGetAttribute(\(what))")
            return Int(value)
        }
        architecture = try attribute(75, "compute capability major") * 10 + attribute(76, "compute capability minor")
        multiprocessorCount = try attribute(16, "multiprocessor count")
        maximumSharedBytesPerBlock = try attribute(97, "max shared memory per block, opt-in")
        var context: UnsafeMutableRawPointer?
        try Self.check(api, api.cuDevicePrimaryCtxRetain!(&context, device), "cuDevicePrimaryCtxRetain")
        self.context = context!
        try Self.check(api, api.cuCtxSetCurrent!(context), "cuCtxSetCurrent")
        var stream: UnsafeMutableRawPointer?
        try Self.check(api, api.cuStreamCreate!(&stream, 1), "cuStreamCreate")
        self.stream = stream!
        var copyStream: UnsafeMutableRawPointer?
        try Self.check(api, api.cuStreamCreate!(&copyStream, 1), "cuStreamCreate (copies)")
        self.copyStream = copyStream!
    }

    /// Throws `CUDAError.driverCall` naming `call` when `result` is not CUDA_SUCCESS.
    static func check(_ api: ccuda_driver_api, _ result: Int32, _ call: @autoclosure () -> String) throws(CUDAError) {
        guard result != 0 else { return }
        var name: UnsafePointer<CChar>?
        var text: UnsafePointer<CChar>?
        _ = api.cuGetErrorName?(result, &name)
        _ = api.cuGetErrorString?(result, &text)
        throw .driverCall(call: call(), code: result, name: name.map { String(cString: $0) } ?? "CUDA error",
                          message: text.map { String(cString: $0) } ?? "no description")
    }

    func check(_ result: Int32, _ call: @autoclosure () -> String) throws(CUDAError) {
        try Self.check(api, result, call())
    }

    /// Makes this device's context current on the calling thread (contexts are per thread).
    func makeCurrent() throws(CUDAError) {
        try check(api.cuCtxSetCurrent!(context), "cuCtxSetCurrent")
    }

    /// Waits for every operation queued on the stream; reports asynchronous kernel faults.
    public func synchronize() throws(CUDAError) {
        try check(api.cuStreamSynchronize!(stream), "cuStreamSynchronize")
    }

    // MARK: Memory

    /// `bytes` of device memory straight from the driver (the allocator's raw source).
    func allocate(bytes: Int) throws(CUDAError) -> UInt64 {
        try makeCurrent()
        var address: ccuda_device_pointer = 0
        try check(api.cuMemAlloc!(&address, bytes), "cuMemAlloc(\(bytes) bytes)")
        return address
    }

    /// Returns device memory to the driver.
    func free(_ address: UInt64) throws(CUDAError) {
        try makeCurrent()
        try check(api.cuMemFree!(address), "cuMemFree")
    }

    /// The device's free and total memory in bytes, as the driver sees it (all processes).
    public func memoryInfo() throws(CUDAError) -> (free: Int, total: Int) {
        try makeCurrent()
        var free = 0, total = 0
        try check(api.cuMemGetInfo!(&free, &total), "cuMemGetInfo")
        return (free, total)
    }

    /// `bytes` of page-locked host memory, so that copies run at full speed and asynchronously.
    func allocatePinned(bytes: Int) throws(CUDAError) -> UnsafeMutableRawPointer {
        try makeCurrent()
        var pointer: UnsafeMutableRawPointer?
        try check(api.cuMemAllocHost!(&pointer, bytes), "cuMemAllocHost(\(bytes) bytes)")
        return pointer!
    }

    func freePinned(_ pointer: UnsafeMutableRawPointer) throws(CUDAError) {
        try check(api.cuMemFreeHost!(pointer), "cuMemFreeHost")
    }

    /// Queues a copy from (pinned) host memory on the compute stream, or on `copyStream` when `beside`.
    func copyToDevice(_ destination: UInt64, from source: UnsafeRawPointer, bytes: Int,
                      beside: Bool = false) throws(CUDAError) {
        try makeCurrent()
        try check(api.cuMemcpyHtoDAsync!(destination, source, bytes, beside ? copyStream : stream),
                  "cuMemcpyHtoDAsync(\(bytes) bytes)")
    }

    func copyToHost(_ destination: UnsafeMutableRawPointer, from source: UInt64, bytes: Int) throws(CUDAError) {
        try makeCurrent()
        try check(api.cuMemcpyDtoHAsync!(destination, source, bytes, stream), "cuMemcpyDtoHAsync(\(bytes) bytes)")
    }

    func copyOnDevice(_ destination: UInt64, from source: UInt64, bytes: Int) throws(CUDAError) {
        try makeCurrent()
        try check(api.cuMemcpyDtoDAsync!(destination, source, bytes, stream), "cuMemcpyDtoDAsync(\(bytes) bytes)")
    }

    /// A new event (timing disabled, so recording and waiting cost little).
    func makeEvent() throws(CUDAError) -> UnsafeMutableRawPointer {
        try makeCurrent()
        var event: UnsafeMutableRawPointer?
        try check(api.cuEventCreate!(&event, 2), "cuEventCreate")
        return event!
    }

    /// Marks the point of the compute stream (or of `copyStream` when `beside`) that all work
    /// queued on it so far reaches.
    func record(_ event: UnsafeMutableRawPointer, beside: Bool = false) throws(CUDAError) {
        try check(api.cuEventRecord!(event, beside ? copyStream : stream), "cuEventRecord")
    }

    /// Makes work queued next on the compute stream (or on `copyStream` when `beside`) wait for `event`.
    func streamWait(for event: UnsafeMutableRawPointer, beside: Bool = false) throws(CUDAError) {
        try check(api.cuStreamWaitEvent!(beside ? copyStream : stream, event, 0), "cuStreamWaitEvent")
    }

    /// Releases an event.
    func destroy(_ event: UnsafeMutableRawPointer) throws(CUDAError) {
        try check(api.cuEventDestroy!(event), "cuEventDestroy")
    }

    /// Blocks the host until the stream passes `event` (at once if it was never recorded).
    func wait(for event: UnsafeMutableRawPointer) throws(CUDAError) {
        try check(api.cuEventSynchronize!(event), "cuEventSynchronize")
    }

    /// Sets `count` 32-bit words at `destination` to `pattern`.
    func fill32(_ destination: UInt64, pattern: UInt32, count: Int) throws(CUDAError) {
        try makeCurrent()
        try check(api.cuMemsetD32Async!(destination, pattern, count, stream), "cuMemsetD32Async(\(count) words)")
    }

    // MARK: Modules and launches

    /// Loads a compiled module image (cubin) and returns its handle.
    func loadModule(_ image: [UInt8], name: String) throws(CUDAError) -> UnsafeMutableRawPointer {
        try makeCurrent()
        var module: UnsafeMutableRawPointer?
        let result = image.withUnsafeBytes { api.cuModuleLoadData!(&module, $0.baseAddress) }
        try check(result, "cuModuleLoadData(\(name))")
        return module!
    }

    func function(named name: String, in module: UnsafeMutableRawPointer) throws(CUDAError) -> UnsafeMutableRawPointer {
        var function: UnsafeMutableRawPointer?
        try check(api.cuModuleGetFunction!(&function, module, name), "cuModuleGetFunction(\(name))")
        return function!
    }

    /// Lets `function` take up to `bytes` of dynamic shared memory (above 48 KB only after this call).
    func setDynamicSharedLimit(_ function: UnsafeMutableRawPointer, name: String, bytes: Int) throws(CUDAError) {
        try makeCurrent()
        // 8: CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.
        try check(api.cuFuncSetAttribute!(function, 8, Int32(bytes)), "cuFuncSetAttribute(\(name), \(bytes) shared bytes)")
    }

    /// Queues `function` on the stream with `arguments` in the kernel's parameter order.
    func launch(_ function: UnsafeMutableRawPointer, name: String, grid: (Int, Int, Int), block: (Int, Int, Int),
                sharedBytes: Int = 0, arguments: [KernelArgument]) throws(CUDAError) {
        try makeCurrent()
        var slots = arguments.map(\.bits)
        let result = slots.withUnsafeMutableBufferPointer { slots in
            var pointers: [UnsafeMutableRawPointer?] = (0..<slots.count).map { UnsafeMutableRawPointer(slots.baseAddress! + $0) }
            return pointers.withUnsafeMutableBufferPointer { pointers in
                api.cuLaunchKernel!(function, UInt32(grid.0), UInt32(grid.1), UInt32(grid.2),
                                    UInt32(block.0), UInt32(block.1), UInt32(block.2), UInt32(sharedBytes),
                                    stream, pointers.baseAddress, nil)
            }
        }
        try check(result, "cuLaunchKernel(\(name), grid \(grid), block \(block))")
    }
}

/// One kernel parameter, stored in an 8-byte slot whose first bytes the driver reads.
enum KernelArgument {
    case address(UInt64)
    case int32(Int32)
    case int64(Int)
    case float(Float)
    case double(Double)
    case unsigned64(UInt64)
    case unsigned16(UInt16)

    /// The value's bytes in the low end of a 64-bit word (x86-64 and Arm are little-endian).
    var bits: UInt64 {
        switch self {
        case .address(let value), .unsigned64(let value): value
        case .int32(let value): UInt64(UInt32(bitPattern: value))
        case .unsigned16(let value): UInt64(value)
        case .int64(let value): UInt64(bitPattern: Int64(value))
        case .float(let value): UInt64(value.bitPattern)
        case .double(let value): value.bitPattern
        }
    }
}
