/// A failure of the CUDA backend: a library that did not load, or a call that returned an error.
///
/// Every case names what failed (the library, or the CUDA call and its error string), so that
/// a message alone tells the user whether to install a driver, fix a path or report a bug.
public enum CUDAError: Error, CustomStringConvertible, Equatable {
    /// libcuda.so.1 could not be opened: no NVIDIA driver on this machine.
    case noDriver(detail: String)
    /// A CUDA library (NVRTC, cuBLASLt) could not be opened or lacks a function.
    case libraryUnavailable(library: String, detail: String)
    /// A driver API call returned an error.
    case driverCall(call: String, code: Int32, name: String, message: String)
    /// An NVRTC call returned an error.
    case compilerCall(call: String, code: Int32, message: String)
    /// NVRTC rejected a kernel source; `log` is the compiler's output.
    case compilation(file: String, log: String)
    /// A cuBLASLt call returned an error.
    case matmulCall(call: String, code: Int32)
    /// The driver loaded but reports no CUDA device.
    case noDevice
    /// libnccl.so.2 could not be opened or lacks a function: training on several GPUs is impossible.
    case noCollectives(detail: String)
    /// An NCCL call returned an error.
    case collectiveCall(call: String, code: Int32, message: String)
    /// The kernel cache directory or a cached file could not be written or read.
    case cache(path: String, detail: String)

    public var description: String {
        switch self {
        case .noDriver(let detail):
            "no CUDA driver: libcuda.so.1 not found (\(detail)); install the NVIDIA driver or use --device cpu"
        case .libraryUnavailable(let library, let detail):
            "CUDA library \(library) unavailable: \(detail); install the CUDA toolkit's \(library) or add its folder to LD_LIBRARY_PATH"
        case .driverCall(let call, let code, let name, let message):
            "\(call) failed with \(name) (\(code)): \(message)"
        case .compilerCall(let call, let code, let message):
            "\(call) failed (\(code)): \(message)"
        case .compilation(let file, let log):
            "NVRTC could not compile \(file):\n\(log)"
        case .matmulCall(let call, let code):
            "\(call) failed with cublasStatus \(code) (\(CUDAError.cublasStatusName(code)))"
        case .noDevice:
            "the CUDA driver loaded but found no GPU; use --device cpu"
        case .noCollectives(let detail):
            "NCCL unavailable: libnccl.so.2 not found (\(detail)); install NCCL 2 (the libnccl2 package, or pip's nvidia-nccl-cu12) or add its folder to LD_LIBRARY_PATH; one GPU needs no NCCL"
        case .collectiveCall(let call, let code, let message):
            "\(call) failed with ncclResult \(code): \(message)"
        case .cache(let path, let detail):
            "kernel cache \(path): \(detail); set RECUT_KERNEL_CACHE to a writable folder"
        }
    }

    /// The cublasStatus_t enumerator of `code` (cuBLAS exports no string function for every version).
    static func cublasStatusName(_ code: Int32) -> String {
        switch code {
        case 0: "CUBLAS_STATUS_SUCCESS"
        case 1: "CUBLAS_STATUS_NOT_INITIALIZED"
        case 3: "CUBLAS_STATUS_ALLOC_FAILED"
        case 7: "CUBLAS_STATUS_INVALID_VALUE"
        case 8: "CUBLAS_STATUS_ARCH_MISMATCH"
        case 11: "CUBLAS_STATUS_MAPPING_ERROR"
        case 13: "CUBLAS_STATUS_EXECUTION_FAILED"
        case 14: "CUBLAS_STATUS_INTERNAL_ERROR"
        case 15: "CUBLAS_STATUS_NOT_SUPPORTED"
        case 16: "CUBLAS_STATUS_LICENSE_ERROR"
        default: "unknown status"
        }
    }
}
