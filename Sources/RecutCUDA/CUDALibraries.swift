import CCUDA
import Foundation

/// The file names tried, in order, when opening each CUDA library, and the loader that opens them.
///
/// Libraries are opened at run time, never linked, so that the package builds and runs its
/// CPU path on machines without CUDA; the toolkit folders cover images whose loader path
/// lacks them.
public enum CUDALibraries {
    /// The driver library; only the name that the driver installs is tried.
    public static let driver = ["libcuda.so.1"]
    /// The run-time compiler, newest major version first.
    public static var compiler: [String] { versioned("libnvrtc.so") }
    /// The matrix-product library, newest major version first.
    public static var matmul: [String] { versioned("libcublasLt.so") }
    /// The collective-communication library (NCCL 2), for training on several GPUs.
    public static var collectives: [String] {
        let names = ["libnccl.so.2", "libnccl.so"]
        var folders = ["/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu"]
        if let home = ProcessInfo.processInfo.environment["NCCL_HOME"] { folders.insert("\(home)/lib", at: 0) }
        return names + folders.flatMap { folder in names.map { "\(folder)/\($0)" } }
    }

    /// `base.13`, `base.12`, `base`, then the same names inside the CUDA toolkit folders.
    static func versioned(_ base: String) -> [String] {
        let names = ["\(base).13", "\(base).12", base]
        var folders = ["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib"]
        if let home = ProcessInfo.processInfo.environment["CUDA_HOME"] { folders.insert("\(home)/lib64", at: 0) }
        return names + folders.flatMap { folder in names.map { "\(folder)/\($0)" } }
    }

    /// Runs one of the shim's loaders over `candidates`; returns its failure message, or nil on success.
    static func load<API>(
        _ candidates: [String], into api: inout API,
        using loader: (UnsafePointer<UnsafePointer<CChar>?>?, Int32, UnsafeMutablePointer<API>?,
                       UnsafeMutablePointer<CChar>?, Int) -> Int32
    ) -> String? {
        let names = candidates.map { strdup($0) }
        defer { names.forEach { free($0) } }
        var message = [CChar](repeating: 0, count: 512)
        let pointers = names.map { UnsafePointer($0) }
        let result = pointers.withUnsafeBufferPointer { pointers in
            message.withUnsafeMutableBufferPointer { message in
                loader(pointers.baseAddress, Int32(pointers.count), &api, message.baseAddress, message.count)
            }
        }
        guard result != 0 else { return nil }
        return message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The driver API, or `CUDAError.noDriver` when libcuda.so.1 does not load.
    public static func loadDriver(candidates: [String] = driver) throws(CUDAError) -> ccuda_driver_api {
        var api = ccuda_driver_api()
        if let failure = load(candidates, into: &api, using: ccuda_load_driver) { throw .noDriver(detail: failure) }
        return api
    }

    /// The NVRTC API, or `CUDAError.libraryUnavailable`.
    public static func loadCompiler(candidates: [String] = compiler) throws(CUDAError) -> ccuda_nvrtc_api {
        var api = ccuda_nvrtc_api()
        if let failure = load(candidates, into: &api, using: ccuda_load_nvrtc) {
            throw .libraryUnavailable(library: "libnvrtc", detail: failure)
        }
        return api
    }

    /// The cuBLASLt API, or `CUDAError.libraryUnavailable`.
    public static func loadMatmul(candidates: [String] = matmul) throws(CUDAError) -> ccuda_cublaslt_api {
        var api = ccuda_cublaslt_api()
        if let failure = load(candidates, into: &api, using: ccuda_load_cublaslt) {
            throw .libraryUnavailable(library: "libcublasLt", detail: failure)
        }
        return api
    }

    /// The NCCL API, or `CUDAError.noCollectives`.
    public static func loadCollectives(candidates: [String] = collectives) throws(CUDAError) -> ccuda_nccl_api {
        var api = ccuda_nccl_api()
        if let failure = load(candidates, into: &api, using: ccuda_load_nccl) { throw .noCollectives(detail: failure) }
        return api
    }
}
