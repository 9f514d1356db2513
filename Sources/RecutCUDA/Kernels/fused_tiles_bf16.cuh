// Tensor-core tiles of the fused passes for bfloat16 hidden states and tables (see
// fused_tiles.cuh for the columns and weights they share with the float32 tiles). A block of
// 4 warps owns 64 fixed-side entries, 16 per warp, and sweeps tiles of 64 entries of the other
// side through shared memory (two buffers filled with cp.async, read with ldmatrix); products
// run on mma.sync m16n8k16 (bfloat16 in, float32 accumulation). The fixed side stays in
// registers as A fragments over all of d (a multiple of 16 up to 16 STEPS). The kernels are
// instantiated for STEPS = 4 (d <= 64) and 8 (d <= FUSED_MAX_DIMENSION), so that a narrow d
// keeps neither registers nor shared memory for the dimensions it lacks.
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
#define FUSED_BF16_MAX_STEPS (FUSED_MAX_DIMENSION / 16)

// Halves per shared row for d <= 16 STEPS: 8 more than the row (16 bytes), so that the 8 rows
// of an ldmatrix hit distinct banks.
template <int STEPS> struct FusedSweepTile {
    static constexpr int stride = 16 * STEPS + 8;
    typedef unsigned short Row[stride];
};

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
template <int STEPS>
__device__ __forceinline__ void fused_fixed_fragments(unsigned fragments[STEPS][4], const bf16 *source,
                                                      const int *rows, int dimension) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    int top = rows[16 * warp + g], bottom = rows[16 * warp + g + 8];
    const unsigned *topWords = reinterpret_cast<const unsigned *>(source + (long long)max(top, 0) * dimension);
    const unsigned *bottomWords = reinterpret_cast<const unsigned *>(source + (long long)max(bottom, 0) * dimension);
#pragma unroll
    for (int step = 0; step < STEPS; step++) {
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

// Where a thread's 16-byte copies of a sweep tile start (entry, vector of 8 halves) and how
// they advance, worked out once per kernel rather than divided out per copy.
struct FusedCopyPlan {
    int entry, vector, entryStep, vectorStep, vectors;
};

__device__ __forceinline__ FusedCopyPlan fused_copy_plan(int dimension) {
    int vectors = dimension / 8;
    return {(int)threadIdx.x / vectors, (int)threadIdx.x % vectors, FUSED_BF16_THREADS / vectors,
            FUSED_BF16_THREADS % vectors, vectors};
}

// tile[i][0..d) = source[rowOf(i)] for the 64 sweeping entries (zeros for rows < 0), copied
// asynchronously 16 bytes at a time into the tile at shared address tileAddress (rows start on
// 32-byte boundaries since d is a multiple of 16); the copies join the thread's next
// fused_commit group.
template <int STEPS, typename RowOf>
__device__ __forceinline__ void fused_copy_sweep(unsigned tileAddress, const bf16 *source, RowOf rowOf, int dimension,
                                                 const FusedCopyPlan &plan) {
    int i = plan.entry, c = plan.vector;
    while (i < FUSED_TILE) {
        int row = rowOf(i);
        const bf16 *from = source + (long long)max(row, 0) * dimension + 8 * c;
        unsigned to = tileAddress + 2u * (unsigned)(i * FusedSweepTile<STEPS>::stride + 8 * c);
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(to), "l"((unsigned long long)from),
                     "r"(row >= 0 ? 16 : 0));
        i += plan.entryStep;
        c += plan.vectorStep;
        if (c >= plan.vectors) {
            c -= plan.vectors;
            i++;
        }
    }
}

// fused_copy_sweep for sweeping entries that are consecutive rows: entry i is row firstRow + i
// when i < count, else zeros; no row lookups.
template <int STEPS>
__device__ __forceinline__ void fused_copy_consecutive(unsigned tileAddress, const bf16 *source, long long firstRow,
                                                       int count, int dimension, const FusedCopyPlan &plan) {
    const bf16 *first = source + firstRow * dimension;
    int i = plan.entry, c = plan.vector;
    while (i < FUSED_TILE) {
        bool inside = i < count;
        const bf16 *from = inside ? first + i * dimension + 8 * c : source;
        unsigned to = tileAddress + 2u * (unsigned)(i * FusedSweepTile<STEPS>::stride + 8 * c);
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(to), "l"((unsigned long long)from),
                     "r"(inside ? 16 : 0));
        i += plan.entryStep;
        c += plan.vectorStep;
        if (c >= plan.vectors) {
            c -= plan.vectors;
            i++;
        }
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
template <int STEPS>
__device__ __forceinline__ void fused_mma_logits(float logits[8][4], const unsigned fragments[STEPS][4],
                                                 const typename FusedSweepTile<STEPS>::Row *tile, int dimension) {
    int lane = threadIdx.x & 31, matrix = lane >> 3;
    int rowOffset = (lane & 7) + (matrix >> 1) * 8, columnOffset = (matrix & 1) * 8;
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) logits[n][e] = 0.0f;
#pragma unroll
    for (int step = 0; step < STEPS; step++) {
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
template <int STEPS>
__device__ __forceinline__ void fused_mma_weighted_sum(float out[2 * STEPS][4], const float weights[8][4],
                                                       const typename FusedSweepTile<STEPS>::Row *tile,
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
        for (int m = 0; m < 2 * STEPS; m += 2) {
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

// The sweeping entries of a thread's logits: logits[n][e] pairs fixed entry g (e < 2) or g + 8
// with sweeping entry 8n + 2t + (e & 1); k = 2n + (e & 1) numbers a thread's 16 of them.
__device__ __forceinline__ int fused_sweep_entry(int k) { return 8 * (k >> 1) + 2 * (threadIdx.x & 3) + (k & 1); }

// The largest of a thread's 16 values x[n][2 half + (e & 1)] minus offsets[k], for fixed entry
// g (half 0) or g + 8 (half 1).
__device__ __forceinline__ float fused_row_maximum(const float x[8][4], int half, const float offsets[16]) {
    float top = RECUT_NEGATIVE_INFINITY;
#pragma unroll
    for (int k = 0; k < 16; k++) top = fmaxf(top, FUSED_LOG2E * x[k >> 1][2 * half + (k & 1)] - offsets[k]);
    return top;
}

// The bit of fused_bf16_weights' targetMask for the thread's sweeping entry k (fused_sweep_entry)
// and fixed entry g (half 0) or g + 8 (half 1): bit 4n + e for w[n][e].
__device__ __forceinline__ unsigned fused_target_bit(int k, int half) {
    return 1u << (4 * (k >> 1) + 2 * half + (k & 1));
}

// Turns a warp's 16 x 64 logits into softmax weights in place: p = 2^(log2(e) logit - offsets[k]
// - rowOffsets[half]) (offsets +inf for missing columns, rowOffsets +inf for padding rows), then
// for the full catalog p - 1 at the row's target, for sampled negatives 0 at the row's target
// and below the threshold. Bit 4n + e of targetMask marks the row's target at w[n][e].
__device__ __forceinline__ void fused_bf16_weights(float w[8][4], const float offsets[16], const float rowOffsets[2],
                                                   unsigned targetMask, bool sampled, float threshold) {
#pragma unroll
    for (int n = 0; n < 8; n++)
#pragma unroll
        for (int e = 0; e < 4; e++) {
            bool isTarget = ((targetMask >> (4 * n + e)) & 1u) != 0u;
            float p = fused_exp2(FUSED_LOG2E * w[n][e] - offsets[2 * n + (e & 1)] - rowOffsets[e >> 1]);
            w[n][e] = sampled ? (isTarget || p < threshold ? 0.0f : p) : (isTarget ? p - 1.0f : p);
        }
}
