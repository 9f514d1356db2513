import Foundation

/// Compiled kernel images on disk, keyed by everything that changes the machine code.
///
/// NVRTC takes seconds per file; the cache makes every run after the first start at once.
/// A key covers the source and its headers, the GPU architecture, the driver and compiler
/// versions and the compiler options, so a stale image is never loaded.
public final class KernelCache: @unchecked Sendable {
    /// Compiles one source with the headers and options given; returns the module image.
    public typealias Compiler = @Sendable (KernelSource, [KernelSource], [String]) throws(CUDAError) -> [UInt8]

    /// The folder holding the images.
    public let directory: URL
    /// What the images depend on beyond their sources ("sm_90 driver 13000 nvrtc 13.0").
    public let fingerprint: String
    /// The compiler options, part of every key.
    public let options: [String]
    private let compiler: Compiler
    private let lock = NSLock()
    private var compileCount = 0

    /// A cache in `directory` for images built by `compiler` with `options`.
    public init(directory: URL, fingerprint: String, options: [String], compiler: @escaping Compiler) {
        self.directory = directory
        self.fingerprint = fingerprint
        self.options = options
        self.compiler = compiler
    }

    /// $RECUT_KERNEL_CACHE if set, else $XDG_CACHE_HOME/recut/kernels, else ~/.cache/recut/kernels.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let path = environment["RECUT_KERNEL_CACHE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return cache.appendingPathComponent("recut").appendingPathComponent("kernels")
    }

    /// The hex key of `source` compiled with `headers` under this cache's fingerprint and options.
    public func key(for source: KernelSource, headers: [KernelSource]) -> String {
        var hash = StableHash()
        hash.add(source.name)
        hash.add(source.text)
        for header in headers {
            hash.add(header.name)
            hash.add(header.text)
        }
        hash.add(fingerprint)
        options.forEach { hash.add($0) }
        return hash.hex
    }

    /// The file that holds (or will hold) the image of `source`.
    public func path(for source: KernelSource, headers: [KernelSource]) -> URL {
        let stem = source.name.replacingOccurrences(of: ".", with: "_")
        return directory.appendingPathComponent("\(stem)-\(key(for: source, headers: headers)).cubin")
    }

    /// The number of images this cache compiled (misses) since it was created.
    public var compilations: Int { lock.withLock { compileCount } }

    /// The image of `source`: read from disk when cached, else compiled and written atomically.
    public func image(for source: KernelSource, headers: [KernelSource]) throws(CUDAError) -> [UInt8] {
        let file = path(for: source, headers: headers)
        if let data = FileManager.default.contents(atPath: file.path), !data.isEmpty { return [UInt8](data) }
        let image = try compiler(source, headers, options)
        lock.withLock { compileCount += 1 }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(image).write(to: file, options: .atomic)
        } catch {
            throw .cache(path: file.path, detail: "\(error)")
        }
        return image
    }
}

/// FNV-1a over length-prefixed strings: stable across runs and platforms, unlike Hasher.
struct StableHash {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ text: String) {
        let bytes = Array(text.utf8)
        var length = UInt64(bytes.count)
        for _ in 0..<8 {
            mix(UInt8(truncatingIfNeeded: length))
            length >>= 8
        }
        bytes.forEach { mix($0) }
    }

    private mutating func mix(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }

    var hex: String {
        let digits = String(state, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
