import CVectorKernels

/// Row-major c = alpha * op(a) op(b) + beta * c without a BLAS library, for machines that have
/// none: blocked products in C (`Sources/CVectorKernels/gemm.c`), because Swift cannot compile
/// one function for AVX-512 or AVX2 and choose at run time. Single-threaded, as the BLAS is: the
/// backend spreads its work over the cores itself.
enum PortableGEMM {
    /// The vector instructions the products (and the other C kernels) use ("avx512f", "avx2+fma" or "sse2").
    static var instructionSet: String { String(cString: recut_instruction_set_name()) }

    /// BLAS's sgemm with row-major operands: a is [m, k] (stored [k, m] when transposed),
    /// b is [k, n] (stored [n, k] when transposed); with beta 0, c is written without being read.
    static func multiply(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                         alpha: Float, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                         beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        recut_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }

    /// The same in float64.
    static func multiply(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                         alpha: Double, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
                         beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        recut_dgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
    }
}
