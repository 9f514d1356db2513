#ifndef RECUT_PORTABLE_GEMM_H
#define RECUT_PORTABLE_GEMM_H

/// Row-major c = alpha * op(a) op(b) + beta * c, for machines without a BLAS library: a is
/// [m, k] (stored [k, m] when transposed), b is [k, n] (stored [n, k] when transposed); with
/// beta 0, c is written without being read. Single-threaded (the caller spreads products over
/// the cores). The widest vector instructions the processor has are picked at the first call.
void recut_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
                 const float *b, long ldb, float beta, float *c, long ldc);
/// The same in float64.
void recut_dgemm(int transpose_a, int transpose_b, long m, long n, long k, double alpha, const double *a, long lda,
                 const double *b, long ldb, double beta, double *c, long ldc);
/// The instruction set the products use: "avx512f", "avx2+fma" or "sse2".
const char *recut_gemm_instruction_set(void);
/// Uses at most the instruction set of `level` (0 sse2, 1 avx2+fma, 2 avx512f) from now on, so
/// that tests reach every kernel on any machine.
void recut_gemm_limit_instruction_set(int level);

#endif
