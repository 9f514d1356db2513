import Foundation
import Synchronization
import RecutCore

/// The CUDA backend: float32 and mixed-precision bfloat16 kernels compiled by NVRTC on first
/// use, matrix products through cuBLASLt, one stream, a caching device allocator and a ring of
/// pinned buffers for copies.
///
/// Backend ops cannot throw: a failing CUDA call stops the program with the call's name and
/// error string, since no op can continue on a broken device context. float64 tensors are
/// supported by the memory ops (upload, download, fill, copy) only; compute ops take float32,
/// or the bfloat16 mixes of `MixedPrecision`.
public final class CUDABackend: Backend, @unchecked Sendable {
    public let name: String
    /// The device, context and stream.
    public let driver: CUDADriver
    /// The caching allocator behind every tensor.
    public let allocator: DeviceAllocator
    /// The compiled kernel images on disk.
    public let kernelCache: KernelCache
    let matmulEngine: CublasLtMatmul

    /// bfloat16 on Ampere and later (sm_80+), whose tensor cores multiply it natively.
    public var preferredPrecision: Precision { driver.architecture >= 80 ? .bfloat16 : .float32 }

    /// The device's free memory as the driver reports it, plus what the caching allocator holds for reuse.
    public var freeMemoryBytes: Int {
        must { () throws(CUDAError) in try driver.memoryInfo().free } + allocator.statistics.bytesCached
    }
    private let lock = NSLock()
    private var functions: [Kernel: UnsafeMutableRawPointer] = [:]
    private var modules: [String: UnsafeMutableRawPointer] = [:]
    private let staging: PinnedStaging
    /// Recorded on the copy stream by `awaitStagedWrites`, for the compute stream to wait on.
    let stagedCopies: UnsafeMutableRawPointer
    /// The bytes of table rows and their float32 gradient rows that one id range of the
    /// per-position `cce-` backward touches (see `perPositionIDRanges`). Each range reads all
    /// ids again, so this trades dE updates that hit L2 against id scans: on an H100 (50 MB
    /// L2), with 1M items and d=64 in bf16, 6 ranges (this size) beat 3 and 12 with filtering
    /// on and off alike (BENCHMARKS.md).
    public var perPositionSliceBytes = 64 << 20

    /// Opens GPU `ordinal` and loads NVRTC and cuBLASLt; kernels compile lazily into `cacheDirectory`.
    public init(ordinal: Int = 0, cacheDirectory: URL = KernelCache.defaultDirectory()) throws(CUDAError) {
        let driver = try CUDADriver(ordinal: ordinal)
        let compiler = try NVRTCCompiler()
        self.driver = driver
        name = "cuda:\(ordinal)"
        allocator = DeviceAllocator(
            allocate: { bytes throws(CUDAError) in try driver.allocate(bytes: bytes) },
            free: { address in try? driver.free(address) })
        kernelCache = KernelCache(
            directory: cacheDirectory,
            fingerprint: "sm_\(driver.architecture) driver \(driver.driverVersion) nvrtc \(compiler.version)",
            options: NVRTCCompiler.options(architecture: driver.architecture),
            compiler: { source, headers, options throws(CUDAError) in
                try compiler.compile(source, headers: headers, options: options)
            })
        matmulEngine = try CublasLtMatmul(driver: driver)
        staging = try PinnedStaging(driver: driver)
        stagedCopies = try driver.makeEvent()
    }

    // MARK: Failure and kernels

    /// Runs `body`, stopping the program with the CUDA error's message if it throws.
    func must<T>(_ body: () throws(CUDAError) -> T) -> T {
        do {
            return try body()
        } catch {
            fatalError("CUDA backend: \(error)")
        }
    }

    /// Traps unless every tensor is float32, naming the op.
    func requireFloat32(_ operation: String, _ tensors: Tensor...) {
        for tensor in tensors {
            precondition(tensor.dtype == .float32, "CUDA backend: \(operation) needs float32 tensors, got \(tensor.dtype)")
        }
    }

    /// The loaded function of `kernel`, compiling (or reading from the cache) its file on first use.
    func function(_ kernel: Kernel) throws(CUDAError) -> UnsafeMutableRawPointer {
        lock.lock()
        defer { lock.unlock() }
        if let function = functions[kernel] { return function }
        let module: UnsafeMutableRawPointer
        if let loaded = modules[kernel.file] {
            module = loaded
        } else {
            guard let source = KernelSources.files[kernel.file] else {
                preconditionFailure("kernel file \(kernel.file) is not embedded")
            }
            let image = try kernelCache.image(for: source, headers: KernelSources.headers)
            module = try driver.loadModule(image, name: kernel.file)
            modules[kernel.file] = module
        }
        let function = try driver.function(named: kernel.rawValue, in: module)
        functions[kernel] = function
        return function
    }

    /// Compiles and loads every kernel file now, so that timings and errors come up front:
    /// the files not yet in the kernel cache are compiled side by side on the host's cores
    /// (NVRTC compiles each program on its own), then loaded one by one.
    public func loadAllKernels() throws(CUDAError) {
        let files = Array(Set(Kernel.allCases.map(\.file))).sorted()
        let cache = kernelCache
        let errors = Mutex<[CUDAError]>([])
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            guard let source = KernelSources.files[files[index]] else { return }
            do throws(CUDAError) {
                _ = try cache.image(for: source, headers: KernelSources.headers)
            } catch {
                errors.withLock { $0.append(error) }
            }
        }
        if let error = errors.withLock({ $0.first }) { throw error }
        for kernel in Kernel.allCases { _ = try function(kernel) }
    }

    /// Queues `kernel`; the launch result is checked.
    func launch(_ kernel: Kernel, grid: (Int, Int, Int), block: (Int, Int, Int), sharedBytes: Int = 0,
                _ arguments: [KernelArgument]) {
        must { () throws(CUDAError) in
            try driver.launch(try function(kernel), name: kernel.rawValue, grid: grid, block: block,
                              sharedBytes: sharedBytes, arguments: arguments)
        }
    }

    /// Queues an elementwise kernel over `count` elements (grid-stride: at most 16 blocks per multiprocessor).
    func launchElementwise(_ kernel: Kernel, count: Int, _ arguments: [KernelArgument]) {
        guard count > 0 else { return }
        let blocks = min((count + 255) / 256, driver.multiprocessorCount * 16)
        launch(kernel, grid: (blocks, 1, 1), block: (256, 1, 1), arguments)
    }

    /// Device memory for `count` elements of `dtype`, not cleared.
    func allocateTensor(shape: [Int], dtype: DType) -> Tensor {
        let storage = must { () throws(CUDAError) in
            try CUDAStorage(elementCapacity: shape.reduce(1, *), dtype: dtype, allocator: allocator)
        }
        return Tensor(shape: shape, storage: storage)
    }

    /// Copies `bytes` at `source` to the host once the queued work has run and returns what
    /// `read` makes of them (in pinned memory).
    func readBack<T>(bytes: Int, from source: UInt64, _ read: (UnsafeMutableRawPointer) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return must { () throws(CUDAError) in try staging.read(bytes: bytes, from: source, read) }
    }

    // MARK: Memory

    public func makeTensor(shape: [Int], dtype: DType) -> Tensor {
        let tensor = allocateTensor(shape: shape, dtype: dtype)
        fill(tensor, with: 0)
        return tensor
    }

    public func upload(_ values: [Float], shape: [Int]) -> Tensor {
        let tensor = allocateTensor(shape: shape, dtype: .float32)
        write(values, into: tensor)
        return tensor
    }

    public func upload(_ values: [Double], shape: [Int]) -> Tensor {
        let tensor = allocateTensor(shape: shape, dtype: .float64)
        write(values, into: tensor)
        return tensor
    }

    public func upload(_ values: [Int32], shape: [Int]) -> Tensor {
        let tensor = allocateTensor(shape: shape, dtype: .int32)
        write(values, into: tensor)
        return tensor
    }

    /// Runs `body` with the pinned staging ring, holding the lock.
    func withStaging(_ body: (PinnedStaging) throws(CUDAError) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        must { () throws(CUDAError) in try body(staging) }
    }

    /// Queues a copy of `bytes` that `fill` writes into pinned memory, without waiting for it.
    private func queueWrite(bytes: Int, into tensor: Tensor, _ fill: (UnsafeMutableRawPointer) -> Void) {
        withStaging { (staging) throws(CUDAError) in try staging.write(bytes: bytes, to: tensor.address, fill) }
    }

    /// Converts `values` into pinned memory as `tensor`'s element type and queues their copy.
    private func upload<Source: BinaryFloatingPoint>(_ values: [Source], into tensor: Tensor) {
        precondition(values.count <= tensor.count, "writing \(values.count) values into \(tensor.count) elements")
        guard !values.isEmpty else { return }
        let bytes = values.count * tensor.dtype.byteSize
        queueWrite(bytes: bytes, into: tensor) { staging in
            switch tensor.dtype {
            case .float32:
                let target = staging.assumingMemoryBound(to: Float.self)
                for i in values.indices { target[i] = Float(values[i]) }
            case .float64:
                let target = staging.assumingMemoryBound(to: Double.self)
                for i in values.indices { target[i] = Double(values[i]) }
            case .bfloat16:
                let target = staging.assumingMemoryBound(to: UInt16.self)
                for i in values.indices { target[i] = BFloat16.bits(Float(values[i])) }
            case .int32:
                preconditionFailure("writing floating-point values into an int32 tensor")
            }
        }
    }

    public func write(_ values: [Double], into tensor: Tensor) { upload(values, into: tensor) }

    public func write(_ values: [Float], into tensor: Tensor) { upload(values, into: tensor) }

    public func write(_ values: [Int32], into tensor: Tensor) {
        precondition(tensor.dtype == .int32, "writing ids into a \(tensor.dtype) tensor")
        precondition(values.count <= tensor.count, "writing \(values.count) values into \(tensor.count) elements")
        guard !values.isEmpty else { return }
        let bytes = values.count * 4
        queueWrite(bytes: bytes, into: tensor) { staging in
            values.withUnsafeBytes { staging.copyMemory(from: $0.baseAddress!, byteCount: bytes) }
        }
    }

    /// Copies `tensor` to the host and converts each element with `convert`.
    private func downloadElements<Target>(_ tensor: Tensor, _ convert: (UnsafeMutableRawPointer, Int) -> Target) -> [Target] {
        let bytes = tensor.count * tensor.dtype.byteSize
        guard bytes > 0 else { return [] }
        return readBack(bytes: bytes, from: tensor.address) { staging in (0..<tensor.count).map { convert(staging, $0) } }
    }

    public func download(_ tensor: Tensor) -> [Double] {
        switch tensor.dtype {
        case .float32: downloadElements(tensor) { Double($0.assumingMemoryBound(to: Float.self)[$1]) }
        case .float64: downloadElements(tensor) { $0.assumingMemoryBound(to: Double.self)[$1] }
        case .bfloat16: downloadElements(tensor) { Double(BFloat16.value($0.assumingMemoryBound(to: UInt16.self)[$1])) }
        case .int32: preconditionFailure("downloading an int32 tensor as floating-point values")
        }
    }

    public func download(_ tensor: Tensor) -> [Float] {
        switch tensor.dtype {
        case .float32: downloadElements(tensor) { $0.assumingMemoryBound(to: Float.self)[$1] }
        case .float64: downloadElements(tensor) { Float($0.assumingMemoryBound(to: Double.self)[$1]) }
        case .bfloat16: downloadElements(tensor) { BFloat16.value($0.assumingMemoryBound(to: UInt16.self)[$1]) }
        case .int32: preconditionFailure("downloading an int32 tensor as floating-point values")
        }
    }

    public func download(_ tensor: Tensor) -> [Int32] {
        precondition(tensor.dtype == .int32, "downloading a \(tensor.dtype) tensor as ids")
        return downloadElements(tensor) { $0.assumingMemoryBound(to: Int32.self)[$1] }
    }

    public func fill(_ tensor: Tensor, with value: Double) {
        guard tensor.count > 0 else { return }
        switch tensor.dtype {
        case .float32:
            must { () throws(CUDAError) in try driver.fill32(tensor.address, pattern: Float(value).bitPattern, count: tensor.count) }
        case .int32:
            must { () throws(CUDAError) in
                try driver.fill32(tensor.address, pattern: UInt32(bitPattern: Int32(value)), count: tensor.count)
            }
        case .float64:
            launchElementwise(.fill64, count: tensor.count,
                              [.address(tensor.address), .unsigned64(value.bitPattern), .int64(tensor.count)])
        case .bfloat16:
            launchElementwise(.fill16, count: tensor.count,
                              [.address(tensor.address), .unsigned16(BFloat16.bits(Float(value))), .int64(tensor.count)])
        }
    }

    public func copy(_ destination: Tensor, from source: Tensor) {
        precondition(destination.count == source.count, "copying \(source.count) elements into \(destination.count)")
        switch (destination.dtype, source.dtype) {
        case (.float32, .float32), (.float64, .float64), (.bfloat16, .bfloat16), (.int32, .int32):
            guard source.count > 0 else { return }
            must { () throws(CUDAError) in
                try driver.copyOnDevice(destination.address, from: source.address, bytes: source.count * source.dtype.byteSize)
            }
        case (.float32, .float64):
            launchElementwise(.convertToFloat, count: source.count,
                              [.address(destination.address), .address(source.address), .int64(source.count)])
        case (.float64, .float32):
            launchElementwise(.convertToDouble, count: source.count,
                              [.address(destination.address), .address(source.address), .int64(source.count)])
        case (.bfloat16, .float32):
            launchElementwise(.convertFloatToBFloat16, count: source.count,
                              [.address(destination.address), .address(source.address), .int64(source.count)])
        case (.float32, .bfloat16):
            launchElementwise(.convertBFloat16ToFloat, count: source.count,
                              [.address(destination.address), .address(source.address), .int64(source.count)])
        default:
            preconditionFailure("copying \(source.dtype) into \(destination.dtype)")
        }
    }

    /// Waits for all queued work; reports asynchronous kernel faults as a CUDA error.
    public func synchronize() throws(CUDAError) {
        try driver.synchronize()
    }
}
