// Tensor-core tiles of the fused passes for bfloat16 hidden states and tables (see
// fused_tiles.cuh for the columns and weights they share with the float32 tiles). A block of
// 4 warps owns 64 fixed-side entries, 16 per warp, and sweeps tiles of 64 entries of the other
// side through shared memory (two buffers filled with cp.async, read with ldmatrix); products
// run on mma.sync m16n8k16 (bfloat16 in, float32 accumulation). The fixed side stays in
// registers as A fragments over all of d (a multiple of 16 up to FUSED_MAX_DIMENSION).
//
// Fragments (PTX ISA, "Matrix Fragments for mma.m16n8k16 with floating point type"), with
// g = lane / 4 and t = lane % 4, two bfloat16 per 32-bit register, the lower index in the low half:
//   A (16 x 16, row-major): a[0] = (g, 2t..2t+1), a[1] = (g + 8, 2t..), a[2] = (g, 2t + 8..), a[3] = (g + 8, 2t + 8..)
//   B (16 x 8, column-major): b[0] = (k 2t..2t+1, n g), b[1] = (k 2t + 8..2t + 9, n g)
//   C (16 x 8, float): c[0], c[1] = (g, 2t..2t+1), c[2], c[3] = (g + 8, 2t..2t+1)
#pragma once
#include "fused_tiles.cuh"
#include "precision.cuh"

#define FUSED_BF16_THREADS 128
#define FUSED_BF16_STEPS (FUSED_MAX_DIMENSION / 16)
// Halves per shared row: 128 + 8 (272 bytes), so that the 8 rows of an ldmatrix hit distinct banks.
#define FUSED_BF16_STRIDE (FUSED_MAX_DIMENSION + 8)

// d[0..3] += A B over one 16 x 8 x 16 step.
__device__ __forceinline__ void fused_mma(float d[4], const unsigned a[4], unsigned b0, unsigned b1) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
        "{%0, %1, %2, %3};"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

// Two floats rounded to bfloat16 (to nearest, ties to even) and packed, low in the low half.
__device__ __forceinline__ unsigned fused_pack_bf16(float low, float high) {
    unsigned packed;
    asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(packed) : "f"(high), "f"(low));
    return packed;
}

// The A fragments of this warp's 16 fixed entries rows[16 warp + i] over all of d, read from
// global memory (zeros for rows < 0).
__device__ __forceinline__ void fused_fixed_fragments(unsigned fragments[FUSED_BF16_STEPS][4], const bf16 *source,
                                                      const int *rows, int dimension) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    int top = rows[16 * warp + g], bottom = rows[16 * warp + g + 8];
    const unsigned *topWords = reinterpret_cast<const unsigned *>(source + (long long)max(top, 0) * dimension);
    const unsigned *bottomWords = reinterpret_cast<const unsigned *>(source + (long long)max(bottom, 0) * dimension);
#pragma unroll
    for (int step = 0; step < FUSED_BF16_STEPS; step++) {
        bool inside = 16 * step < dimension;
        fragments[step][0] = inside && top >= 0 ? topWords[8 * step + t] : 0u;
        fragments[step][1] = inside && bottom >= 0 ? bottomWords[8 * step + t] : 0u;
        fragments[step][2] = inside && top >= 0 ? topWords[8 * step + 4 + t] : 0u;
        fragments[step][3] = inside && bottom >= 0 ? bottomWords[8 * step + 4 + t] : 0u;
    }
}

// The shared-memory address of a pointer into shared memory, for ldmatrix.
__device__ __forceinline__ unsigned fused_shared_address(const void *pointer) {
    unsigned address;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }"
        : "=r"(address)
        : "l"((unsigned long long)pointer));
    return address;
}

// tile[i][0..d) = source[rowOf(i)] for the 64 sweeping entries (zeros for rows < 0), copied
// asynchronously 16 bytes at a time (rows start on 32-byte boundaries since d is a multiple
// of 16); the copies join the thread's next fused_commit group.
template <typename RowOf>
__device__ __forceinline__ void fused_copy_sweep(unsigned short (*tile)[FUSED_BF16_STRIDE], const bf16 *source,
                                                 RowOf rowOf, int dimension) {
    int vectors = dimension / 8;
    for (int e = threadIdx.x; e < FUSED_TILE * vectors; e += FUSED_BF16_THREADS) {
        int i = e / vectors, c = e - i * vectors, row = rowOf(i);
        const bf16 *from = row >= 0 ? source + (long long)row * dimension + 8 * c : source;
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(fused_shared_address(&tile[i][8 * c])),
                     "l"((unsigned long long)from), "r"(row >= 0 ? 16 : 0));
    }
}

// Closes the thread's group of asynchronous copies (possibly empty).
__device__ __forceinline__ void fused_commit() { asm volatile("cp.async.commit_group;"); }

// Waits for all but the thread's latest group of asynchronous copies.
__device__ __forceinline__ void fused_wait_previous() { asm volatile("cp.async.wait_group 1;" ::: "memory"); }

// Four 8 x 8 bfloat16 matrices from shared memory; lane l gives the address of row l % 8 of
// matrix l / 8 and receives (row l / 4, columns 2 (l % 4)..+1) of each, or with `transpose`
// (rows 2 (l % 4)..+1, column l / 4).
__device__ __forceinline__ void fused_ldmatrix(unsigned r[4], const unsigned short *row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(fused_shared_address(row)));
}

__device__ __forceinline__ void fused_ldmatrix_transposed(unsigned r[4], const unsigned short *row) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
                 : "r"(fused_shared_address(row)));
}

// logits[n][.] = the warp's 16 x 64 logit tile: logits[n][0..1] pair fixed entry g with
// sweeping entries 8n + 2t, 8n + 2t + 1; logits[n][2..3] the same for fixed entry g + 8. One
// ldmatrix gives the B fragments of two n-tiles: matrices (rows 8n.., dims 16 step..),
// (8n.., 16 step + 8..), (8n + 8.., 16 step..), (8n + 8.., 16 step + 8..).
__device__ __forceinline__ void fused_mma_logits(float logits[8][4], const unsigned fragments[FUSED_BF16_STEPS][4],
                                                 const unsigned short (*tile)[FUSED_BF16_STRIDE], int dimension) {
    int lane = threadIdx.x & 31, matrix = lane >> 3;
    int rowOffset = (lane & 7) + (matrix >> 1) * 8, columnOffset = (matrix & 1) * 8;
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) logits[n][e] = 0.0f;
#pragma unroll
    for (int step = 0; step < FUSED_BF16_STEPS; step++) {
        if (16 * step >= dimension) break;
#pragma unroll
        for (int n = 0; n < 8; n += 2) {
            unsigned b[4];
            fused_ldmatrix(b, &tile[8 * n + rowOffset][16 * step + columnOffset]);
            fused_mma(logits[n], fragments[step], b[0], b[1]);
            fused_mma(logits[n + 1], fragments[step], b[2], b[3]);
        }
    }
}

// out[m][.] += the warp's 16 x 64 weights (laid out as the logits) times tile[0..64)[0..d):
// out[m][0..1] are dimensions 8m + 2t, 8m + 2t + 1 of fixed entry g, out[m][2..3] of g + 8.
// The weights turn into A fragments in registers (rounded to bfloat16); one transposing
// ldmatrix gives the B fragments of two n-tiles: matrices (sweeping rows 16 step.., dims 8m..),
// (16 step + 8.., 8m..), (16 step.., 8m + 8..), (16 step + 8.., 8m + 8..).
__device__ __forceinline__ void fused_mma_weighted_sum(float out[2 * FUSED_BF16_STEPS][4], const float weights[8][4],
                                                       const unsigned short (*tile)[FUSED_BF16_STRIDE],
                                                       int dimension) {
    int lane = threadIdx.x & 31, matrix = lane >> 3;
    int rowOffset = (lane & 7) + (matrix & 1) * 8, columnOffset = (matrix >> 1) * 8;
#pragma unroll
    for (int step = 0; step < 4; step++) {
        unsigned a[4] = {fused_pack_bf16(weights[2 * step][0], weights[2 * step][1]),
                         fused_pack_bf16(weights[2 * step][2], weights[2 * step][3]),
                         fused_pack_bf16(weights[2 * step + 1][0], weights[2 * step + 1][1]),
                         fused_pack_bf16(weights[2 * step + 1][2], weights[2 * step + 1][3])};
#pragma unroll
        for (int m = 0; m < 2 * FUSED_BF16_STEPS; m += 2) {
            if (8 * m >= dimension) break;
            unsigned b[4];
            fused_ldmatrix_transposed(b, &tile[16 * step + rowOffset][8 * m + columnOffset]);
            fused_mma(out[m], a, b[0], b[1]);
            fused_mma(out[m + 1], a, b[2], b[3]);
        }
    }
}

// 2^x on the special-function unit (2^-inf = 0); the bfloat16 passes work in base 2.
__device__ __forceinline__ float fused_exp2(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

#define FUSED_POSITIVE_INFINITY __int_as_float(0x7f800000)
#define FUSED_LOG2E 1.4426950408889634f
#define FUSED_LN2 0.6931471805599453f

// Turns a warp's 16 x 64 tile of base-2 exponents x = log2(e) (logit - shift - logSumExp)
// (-inf for missing columns and padding rows) into softmax weights p = 2^x: full catalog
// p - [id = target], sampled p, 0 at the row's target and below the threshold. Bit 4n + e of
// targetMask marks the row's target at w[n][e]. Returns false, leaving w as it was, when the
// whole warp's tile falls below the filter: no exponent reaches log2(threshold) and (full
// catalog) no target is among it; the test needs no exponentials.
__device__ __forceinline__ bool fused_bf16_weights(float w[8][4], unsigned targetMask, bool sampled, float threshold,
                                                   float log2Threshold) {
    bool keeps = !sampled && targetMask != 0u;
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) keeps = keeps || w[n][e] >= log2Threshold;
    if (__ballot_sync(0xffffffffu, keeps) == 0u) return false;
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) {
            bool isTarget = ((targetMask >> (4 * n + e)) & 1u) != 0u;
            float p = fused_exp2(w[n][e]);
            w[n][e] = sampled ? (isTarget || p < threshold ? 0.0f : p) : (isTarget ? p - 1.0f : p);
        }
    return true;
}
