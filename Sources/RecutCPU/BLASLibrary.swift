import Foundation

/// The BLAS the CPU backend multiplies matrices with, opened at run time so that Recut builds
/// and runs on a machine with none installed (it then uses `PortableGEMM`).
///
/// `RECUT_BLAS` chooses: unset (or empty) tries OpenBLAS (`libopenblas.so.0`), then any `libblas.so.3` or
/// `libcblas.so.3` that exports the CBLAS functions; a path opens that library; `none` uses
/// the built-in products.
struct BLASLibrary: @unchecked Sendable {
    typealias SGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Float, UnsafePointer<Float>?, Int32,
                                      UnsafePointer<Float>?, Int32, Float, UnsafeMutablePointer<Float>?, Int32) -> Void
    typealias DGEMM = @convention(c) (Int32, Int32, Int32, Int32, Int32, Int32, Double, UnsafePointer<Double>?, Int32,
                                      UnsafePointer<Double>?, Int32, Double, UnsafeMutablePointer<Double>?, Int32) -> Void
    typealias SetThreads = @convention(c) (Int32) -> Void

    /// CBLAS's enumerations (cblas.h): row-major order, no transpose, transpose.
    static let rowMajor: Int32 = 101, noTranspose: Int32 = 111, transpose: Int32 = 112

    /// The library file opened.
    let path: String
    let sgemm: SGEMM
    let dgemm: DGEMM

    /// The library in use, nil for the built-in products (opened once, on first use).
    static let shared: BLASLibrary? = open(ProcessInfo.processInfo.environment["RECUT_BLAS"].flatMap { $0.isEmpty ? nil : $0 })

    /// What multiplies matrices, for `recut --version` and the selftest.
    static var description: String {
        if let shared { return "BLAS \(shared.path)" }
        let builtIn = "built-in matrix products (\(PortableGEMM.instructionSet))"
        return ProcessInfo.processInfo.environment["RECUT_BLAS"] == "none"
            ? "\(builtIn), RECUT_BLAS=none"
            : "\(builtIn); no BLAS found (set RECUT_BLAS to a CBLAS library)"
    }

    /// Opens `choice` (nil: the usual names; "none": no library), pinned to one thread per call.
    static func open(_ choice: String?) -> BLASLibrary? {
        if choice == "none" { return nil }
        let candidates = choice.map { [$0] } ?? ["libopenblas.so.0", "libopenblas.so", "libblas.so.3", "libcblas.so.3"]
        for candidate in candidates {
            guard let handle = dlopen(candidate, RTLD_NOW | RTLD_LOCAL) else { continue }
            guard let sgemm = dlsym(handle, "cblas_sgemm"), let dgemm = dlsym(handle, "cblas_dgemm") else {
                dlclose(handle)
                continue
            }
            // The backend spreads work over the cores itself; a threaded BLAS inside would oversubscribe them.
            if let setThreads = dlsym(handle, "openblas_set_num_threads") {
                unsafeBitCast(setThreads, to: SetThreads.self)(1)
            }
            return BLASLibrary(path: candidate, sgemm: unsafeBitCast(sgemm, to: SGEMM.self),
                               dgemm: unsafeBitCast(dgemm, to: DGEMM.self))
        }
        return nil
    }
}
