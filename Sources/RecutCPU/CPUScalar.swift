import Foundation

/// The floating-point types the CPU kernels run in: float32 for training, float64 for
/// the reference path of the gradient checks.
///
/// Kernels are generic over this protocol and specialised by the compiler, so one
/// source serves both precisions.
protocol CPUScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable {
    /// e^x.
    static func exponential(_ x: Self) -> Self
    /// The natural logarithm.
    static func logarithm(_ x: Self) -> Self
    /// The error function (for the exact GELU).
    static func errorFunction(_ x: Self) -> Self
    /// Row-major general matrix multiply (c = alpha * op(a) op(b) + beta * c) through the BLAS
    /// found at run time, else the built-in `PortableGEMM`.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Self, a: UnsafePointer<Self>, lda: Int,
                     b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

@inline(__always)
private func blasTranspose(_ transpose: Bool) -> Int32 {
    transpose ? BLASLibrary.transpose : BLASLibrary.noTranspose
}

extension Float: CPUScalar {
    @inline(__always) static func exponential(_ x: Float) -> Float { expf(x) }
    @inline(__always) static func logarithm(_ x: Float) -> Float { logf(x) }
    @inline(__always) static func errorFunction(_ x: Float) -> Float { erff(x) }
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Float, a: UnsafePointer<Float>, lda: Int,
                     b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard let blas = BLASLibrary.shared else {
            return PortableGEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                         alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        blas.sgemm(BLASLibrary.rowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
                   Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Double: CPUScalar {
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) static func logarithm(_ x: Double) -> Double { log(x) }
    @inline(__always) static func errorFunction(_ x: Double) -> Double { erf(x) }
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Double, a: UnsafePointer<Double>, lda: Int,
                     b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        guard let blas = BLASLibrary.shared else {
            return PortableGEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                         alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        blas.dgemm(BLASLibrary.rowMajor, blasTranspose(transposeA), blasTranspose(transposeB),
                   Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
