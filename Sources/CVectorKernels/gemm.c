#include "instruction_set.h"
#include "vector_kernels.h"
#include <stdlib.h>

// Panel sizes: a KC x NC panel of b stays in the L3 cache, an MC x KC panel of a in L2, and a
// KC x NR strip of b in L1 while the micro-kernel sweeps the rows (MC is a multiple of every MR).
enum { KC = 256, MC = 120, NC = 2048 };

// Each instruction set's kernels, compiled for it alone; which one runs is decided at run time.
RECUT_BEGIN_AVX512
#define T float
#define LANES 16
#define MR 8
#define NAME s_avx512
#include "gemm_blocked.h"
#undef T
#undef LANES
#undef NAME
#define T double
#define LANES 8
#define NAME d_avx512
#include "gemm_blocked.h"
#undef T
#undef LANES
#undef MR
#undef NAME
RECUT_END_TARGET

RECUT_BEGIN_AVX2
#define T float
#define LANES 8
#define MR 6
#define NAME s_avx2
#include "gemm_blocked.h"
#undef T
#undef LANES
#undef NAME
#define T double
#define LANES 4
#define NAME d_avx2
#include "gemm_blocked.h"
#undef T
#undef LANES
#undef MR
#undef NAME
RECUT_END_TARGET

#define T float
#define LANES 4
#define MR 4
#define NAME s_sse2
#include "gemm_blocked.h"
#undef T
#undef LANES
#undef NAME
#define T double
#define LANES 2
#define NAME d_sse2
#include "gemm_blocked.h"
#undef T
#undef LANES
#undef MR
#undef NAME

// Each thread keeps its packing buffer between calls (products come by the thousand per step).
static _Thread_local void *packing_buffer;
static _Thread_local size_t packing_capacity;

static void *packing(size_t bytes) {
    if (bytes > packing_capacity) {
        free(packing_buffer);
        packing_buffer = aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!packing_buffer) abort();
        packing_capacity = bytes;
    }
    return packing_buffer;
}

static long rounded_up(long value, long multiple) { return (value + multiple - 1) / multiple * multiple; }
static long smaller(long a, long b) { return a < b ? a : b; }

// Defines recut_<x>gemm for element type T: the trivial cases, the buffers, the dispatch.
#define DEFINE_GEMM(T, prefix)                                                                                      \
    void recut_##prefix##gemm(int transpose_a, int transpose_b, long m, long n, long k, T alpha, const T *a,       \
                              long lda, const T *b, long ldb, T beta, T *c, long ldc) {                             \
        if (m <= 0 || n <= 0) return;                                                                               \
        if (k <= 0 || alpha == 0) {                                                                                 \
            for (long i = 0; i < m; i++)                                                                            \
                for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];               \
            return;                                                                                                 \
        }                                                                                                           \
        /* Strips are 4 to 32 columns wide (NR divides 32) and 4, 6 or 8 rows tall (MR divides 24). */            \
        long depth = smaller(KC, k);                                                                                \
        long b_count = depth * rounded_up(smaller(NC, n), 32), a_count = rounded_up(smaller(MC, m), 24) * depth;   \
        T *packed_b = packing((size_t)(b_count + a_count) * sizeof(T)), *packed_a = packed_b + b_count;            \
        switch (recut_instruction_set()) {                                                                                \
        case AVX512F:                                                                                               \
            gemm_##prefix##_avx512(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,         \
                                   packed_a, packed_b);                                                             \
            break;                                                                                                  \
        case AVX2_FMA:                                                                                              \
            gemm_##prefix##_avx2(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, packed_a, \
                                 packed_b);                                                                         \
            break;                                                                                                  \
        default:                                                                                                    \
            gemm_##prefix##_sse2(transpose_a, transpose_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, packed_a, \
                                 packed_b);                                                                         \
        }                                                                                                           \
    }

DEFINE_GEMM(float, s)
DEFINE_GEMM(double, d)
