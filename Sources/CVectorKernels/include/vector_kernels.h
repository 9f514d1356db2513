#ifndef RECUT_VECTOR_KERNELS_H
#define RECUT_VECTOR_KERNELS_H

// The CPU backend's hottest loops in C, because Swift compiles for the baseline x86-64 and
// cannot build one function for AVX-512 or AVX2 and choose at run time: each is compiled for
// AVX-512, AVX2+FMA and SSE2, and the widest the machine has runs. Single-threaded: the
// backend spreads the work over the cores.

/// Row-major c = alpha * op(a) op(b) + beta * c, for machines without a BLAS library: a is
/// [m, k] (stored [k, m] when transposed), b is [k, n] (stored [n, k] when transposed); with
/// beta 0, c is written without being read. Single-threaded (the caller spreads products over
/// the cores). The widest vector instructions the processor has are picked at the first call.
void recut_sgemm(int transpose_a, int transpose_b, long m, long n, long k, float alpha, const float *a, long lda,
                 const float *b, long ldb, float beta, float *c, long ldc);
/// The same in float64.
void recut_dgemm(int transpose_a, int transpose_b, long m, long n, long k, double alpha, const double *a, long lda,
                 const double *b, long ldb, double beta, double *c, long ldc);
/// The full softmax cross-entropy of rows [first_row, end_row) of logits [rows, columns]
/// (float32): losses[r] = logsumexp(x[r, first_column...]) - x[r, targets[r]], and the logits
/// replaced by scale * (softmax - one-hot) (0 before first_column); rows whose target lies
/// before first_column get loss 0 and gradient 0.
void recut_softmax_cross_entropy(float *losses, float *logits, const int *targets, long first_row, long end_row,
                                 long columns, long first_column, float scale);
/// output = GELU(input) (exact, through erf) over count float32 elements.
void recut_gelu_forward(float *output, const float *input, long count);
/// input_gradient = output_gradient * GELU'(input) over count float32 elements.
void recut_gelu_backward(float *input_gradient, const float *output_gradient, const float *input, long count);
/// e^x and erf(x) over count float32 elements (the kernels' vector math, for tests).
void recut_exponentials(float *output, const float *input, long count);
void recut_error_functions(float *output, const float *input, long count);

/// output[i] = input[i] * (element first + i kept ? keep_scale : 0) over count float32
/// elements, element e kept when DropoutMask's hash of (seed, e) is at least threshold
/// (RecutCore/Backend/DropoutMask.swift: the same mask as the GPU's).
void recut_dropout(float *output, const float *input, long first, long count, unsigned long long seed,
                   unsigned long long threshold, float keep_scale);

/// The instruction set the kernels use: "avx512f" (with avx512dq), "avx2+fma" or "sse2".
const char *recut_instruction_set_name(void);
/// Uses at most the instruction set of `level` (0 sse2, 1 avx2+fma, 2 avx512f) from now on, so
/// that tests reach every version on any machine.
void recut_limit_instruction_set(int level);

#endif
