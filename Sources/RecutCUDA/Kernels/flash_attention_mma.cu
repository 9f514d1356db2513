// Causal self-attention on tensor cores for bfloat16 operands and heads of exactly 64: the
// scheme and the contract of flash_attention.cu (same qkv layout, dropout mask indices and
// keep rule, saved statistics logSumExp then rowTerms D_i, each [batch * heads * length]),
// with the products on mma.sync m16n8k16 (bfloat16 in, float32 accumulation) as in
// FlashAttention-2. Probabilities and their gradients are rounded to bfloat16 before they
// multiply values, keys or queries; everything else stays float32 in registers.
//
// Every kernel: one block of 4 warps per (tile of 64 rows, head, sequence); warp w owns rows
// 16w...16w+15 of the block's tile as A fragments in registers and sweeps 64-row tiles of the
// other side through shared memory (two buffers filled with cp.async, zero past the sequence,
// read with ldmatrix). A warp's 16 x 64 products c[n][e] (fused_mma_logits' layout) pair
// its row g + 8 (e / 2) with swept row 8n + 2t + e % 2 (g = lane / 4, t = lane % 4).
// qkv, output and their gradients need 16-byte aligned starts (the host checks).
#include "dropout_mask.cuh"
#include "fused_tiles_bf16.cuh"
#include "precision.cuh"

#define MMA_HEAD 64
#define MMA_TILE 64
#define MMA_THREADS 128
// The products are fused_tiles_bf16.cuh's for 64 dimensions: MMA_STEPS k-steps of 16, shared
// rows of 64 + 8 halves (144 bytes, so that the 8 rows of an ldmatrix hit distinct banks).
#define MMA_STEPS (MMA_HEAD / 16)
#define MMA_STRIDE (MMA_HEAD + 8)
static_assert(MMA_STRIDE == FusedSweepTile<MMA_STEPS>::stride, "attention tiles must be the fused tiles' rows");

// tile[r][0..64) = the head of row first + r (row stride `stride`), zeros for rows at or past
// `length`, copied asynchronously 16 bytes at a time; the copies join the next fused_commit group.
__device__ __forceinline__ void mma_copy_rows(unsigned short (*tile)[MMA_STRIDE], const bf16 *source,
                                              long long stride, int first, int length) {
    for (int e = threadIdx.x; e < MMA_TILE * (MMA_HEAD / 8); e += MMA_THREADS) {
        int r = e / (MMA_HEAD / 8), c = e % (MMA_HEAD / 8), row = first + r;
        bool inside = row < length;
        const bf16 *from = source + (long long)(inside ? row : 0) * stride + 8 * c;
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(fused_shared_address(&tile[r][8 * c])),
                     "l"((unsigned long long)from), "r"(inside ? 16 : 0));
    }
}

// The key tiles of a sequence through two shared buffers: keys and values of rows
// 64 keyTile...64 keyTile + 63 (zeros past `length`) from base + dimension and base + 2 dimension.
// Queues key tile 0 into buffer 0.
__device__ __forceinline__ void mma_first_key_tile(unsigned short (*keys)[MMA_TILE][MMA_STRIDE],
                                                   unsigned short (*values)[MMA_TILE][MMA_STRIDE], const bf16 *base,
                                                   long long stride, int dimension, int length) {
    mma_copy_rows(keys[0], base + dimension, stride, 0, length);
    mma_copy_rows(values[0], base + 2 * dimension, stride, 0, length);
    fused_commit();
}

// Waits until key tile keyTile is in buffer keyTile & 1, after queuing tile keyTile + 1 into the
// other buffer when keyTile < lastTile (once every warp is done with that buffer).
__device__ __forceinline__ void mma_next_key_tile(unsigned short (*keys)[MMA_TILE][MMA_STRIDE],
                                                  unsigned short (*values)[MMA_TILE][MMA_STRIDE], const bf16 *base,
                                                  long long stride, int dimension, int length, int keyTile,
                                                  int lastTile) {
    int buffer = keyTile & 1, nextKey = (keyTile + 1) * MMA_TILE;
    __syncthreads();
    if (keyTile < lastTile) {
        mma_copy_rows(keys[buffer ^ 1], base + dimension, stride, nextKey, length);
        mma_copy_rows(values[buffer ^ 1], base + 2 * dimension, stride, nextKey, length);
    }
    fused_commit();
    fused_wait_previous();
    __syncthreads();
}

// The A fragments of this warp's rows top + g and top + g + 8 over the head (k-steps of 16
// dimensions), read from global memory; zeros for rows at or past `length`.
__device__ __forceinline__ void mma_row_fragments(unsigned a[MMA_HEAD / 16][4], const bf16 *source, long long stride,
                                                  int top, int length) {
    int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    int upper = top + g, lower = top + g + 8;
    const bf16 *upperRow = source + (long long)min(upper, length - 1) * stride;
    const bf16 *lowerRow = source + (long long)min(lower, length - 1) * stride;
    const unsigned *upperWords = reinterpret_cast<const unsigned *>(upperRow);
    const unsigned *lowerWords = reinterpret_cast<const unsigned *>(lowerRow);
#pragma unroll
    for (int step = 0; step < MMA_HEAD / 16; step++) {
        a[step][0] = upper < length ? upperWords[8 * step + t] : 0u;
        a[step][1] = lower < length ? lowerWords[8 * step + t] : 0u;
        a[step][2] = upper < length ? upperWords[8 * step + 4 + t] : 0u;
        a[step][3] = lower < length ? lowerWords[8 * step + 4 + t] : 0u;
    }
}

// Stores factor * out's row `half` (0: row g, 1: row g + 8) into the head starting at `target`.
__device__ __forceinline__ void mma_store_row(bf16 *target, const float out[8][4], int half, float factor) {
    int t = threadIdx.x & 3;
    unsigned *words = reinterpret_cast<unsigned *>(target);
#pragma unroll
    for (int m = 0; m < 8; m++)
        words[4 * m + t] = fused_pack_bf16(factor * out[m][2 * half], factor * out[m][2 * half + 1]);
}

// The maximum and the sum over the 4 lanes (t = 0...3) that share a row.
__device__ __forceinline__ float mma_row_max(float value) {
    value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, 1));
    return fmaxf(value, __shfl_xor_sync(0xffffffffu, value, 2));
}

__device__ __forceinline__ float mma_row_sum(float value) {
    value += __shfl_xor_sync(0xffffffffu, value, 1);
    return value + __shfl_xor_sync(0xffffffffu, value, 2);
}

// qkv and output bfloat16, saved float32. Key tiles 0...blockIdx.x; the softmax runs online in
// base 2 (running maximum and this lane's partial sum per row), the saved log-sum-exp is natural.
extern "C" __global__ void __launch_bounds__(MMA_THREADS) flash_attention_mma_forward_bf16(
    bf16 *output, float *saved, const bf16 *qkv, int length, int heads, int dimension, double dropout,
    unsigned long long seed, float keepScale, float scale) {
    __shared__ __align__(16) unsigned short keys[2][MMA_TILE][MMA_STRIDE];
    __shared__ __align__(16) unsigned short values[2][MMA_TILE][MMA_STRIDE];
    int tile = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    long long stride = 3LL * dimension;
    const bf16 *base = qkv + (long long)b * length * stride + h * MMA_HEAD;
    long long headIndex = ((long long)b * heads + h) * length;
    int top = tile * MMA_TILE + 16 * warp, rows[2] = {top + g, top + g + 8};
    float scaleLog2 = scale * FUSED_LOG2E;
    unsigned queries[MMA_HEAD / 16][4];
    mma_row_fragments(queries, base, stride, top, length);

    float maximum[2] = {RECUT_NEGATIVE_INFINITY, RECUT_NEGATIVE_INFINITY}, total[2] = {0.0f, 0.0f}, out[8][4];
#pragma unroll
    for (int m = 0; m < 8; m++)
#pragma unroll
        for (int e = 0; e < 4; e++) out[m][e] = 0.0f;
    mma_first_key_tile(keys, values, base, stride, dimension, length);
    for (int keyTile = 0; keyTile <= tile; keyTile++) {
        int buffer = keyTile & 1, firstKey = keyTile * MMA_TILE;
        mma_next_key_tile(keys, values, base, stride, dimension, length, keyTile, tile);
        float s[8][4];
        fused_mma_logits<MMA_STEPS>(s, queries, keys[buffer], MMA_HEAD);
        float tileMaximum[2] = {RECUT_NEGATIVE_INFINITY, RECUT_NEGATIVE_INFINITY};
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int j = firstKey + 8 * n + 2 * t + (e & 1);
                s[n][e] = j <= rows[e >> 1] ? s[n][e] * scaleLog2 : RECUT_NEGATIVE_INFINITY;
                tileMaximum[e >> 1] = fmaxf(tileMaximum[e >> 1], s[n][e]);
            }
        // Key 0 is visible to every row, so the maxima are finite from the first tile on.
        float correction[2];
#pragma unroll
        for (int r = 0; r < 2; r++) {
            float newMaximum = fmaxf(maximum[r], mma_row_max(tileMaximum[r]));
            correction[r] = fused_exp2(maximum[r] - newMaximum);
            maximum[r] = newMaximum;
            total[r] *= correction[r];
        }
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int r = e >> 1, i = rows[r], j = firstKey + 8 * n + 2 * t + (e & 1);
                float p = fused_exp2(s[n][e] - maximum[r]);
                total[r] += p;
                // Hidden keys have p = 0: skip their masks. keepScale is 1 without dropout.
                bool kept = dropout <= 0 || (j <= i && i < length &&
                                             dropout_keeps(seed, (headIndex + i) * length + j, dropout));
                s[n][e] = kept ? p * keepScale : 0.0f;
            }
#pragma unroll
        for (int m = 0; m < 8; m++)
#pragma unroll
            for (int e = 0; e < 4; e++) out[m][e] *= correction[e >> 1];
        fused_mma_weighted_sum<MMA_STEPS>(out, s, values[buffer], MMA_HEAD);
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        int i = rows[r];
        float rowTotal = mma_row_sum(total[r]);
        if (i >= length) continue;
        mma_store_row(output + ((long long)b * length + i) * dimension + h * MMA_HEAD, out, r, 1.0f / rowTotal);
        if (t == 0) saved[headIndex + i] = maximum[r] * FUSED_LN2 + logf(rowTotal);
    }
}

// Of a visible score (exponent base 2, rowLogSumExp2 = log2(e) logSumExp) with dot = dO_i . V_j:
// the softmax probability p, the gradient dP of the kept probability, and the weight of the
// value (p * keepScale when kept, else 0); all 0 for hidden scores.
struct MmaGradient {
    float p, dP, weight;
};

__device__ __forceinline__ MmaGradient mma_gradient(float score, float dot, bool visible, float scaleLog2,
                                                    float rowLogSumExp2, double dropout, unsigned long long seed,
                                                    long long maskIndex, float keepScale) {
    if (!visible) return {0.0f, 0.0f, 0.0f};
    bool kept = dropout <= 0 || dropout_keeps(seed, maskIndex, dropout);
    float p = fused_exp2(fmaf(score, scaleLog2, -rowLogSumExp2));
    return {p, kept ? dot * keepScale : 0.0f, kept ? p * keepScale : 0.0f};
}

// Backward, pass 1 of 2: the query gradient dQ_i = scale * sum_j dS_ij K_j with
// dS_ij = P_ij (dP_ij - D_i), and the row terms D_i = sum_j P_ij dP_ij (saved for pass 2).
// Key tiles 0...blockIdx.x, swept twice: first for D_i, then for dQ.
// qkv, qkvGradient and outputGradient bfloat16, saved float32.
extern "C" __global__ void __launch_bounds__(MMA_THREADS) flash_attention_mma_backward_query_bf16(
    bf16 *qkvGradient, float *saved, const bf16 *outputGradient, const bf16 *qkv, int length, int heads,
    int dimension, double dropout, unsigned long long seed, float keepScale, float scale) {
    __shared__ __align__(16) unsigned short keys[2][MMA_TILE][MMA_STRIDE];
    __shared__ __align__(16) unsigned short values[2][MMA_TILE][MMA_STRIDE];
    int tile = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    long long stride = 3LL * dimension;
    const bf16 *base = qkv + (long long)b * length * stride + h * MMA_HEAD;
    const bf16 *gradientBase = outputGradient + (long long)b * length * dimension + h * MMA_HEAD;
    long long headIndex = ((long long)b * heads + h) * length;
    const float *logSumExp = saved;
    float *rowTerms = saved + (long long)gridDim.z * heads * length;
    int top = tile * MMA_TILE + 16 * warp, rows[2] = {top + g, top + g + 8};
    float scaleLog2 = scale * FUSED_LOG2E;
    unsigned queries[MMA_HEAD / 16][4], gradients[MMA_HEAD / 16][4];
    mma_row_fragments(queries, base, stride, top, length);
    mma_row_fragments(gradients, gradientBase, dimension, top, length);
    float rowLogSumExp2[2], rowTerm[2] = {0.0f, 0.0f}, accumulator[8][4];
#pragma unroll
    for (int r = 0; r < 2; r++)
        rowLogSumExp2[r] = rows[r] < length ? logSumExp[headIndex + rows[r]] * FUSED_LOG2E : 0.0f;
#pragma unroll
    for (int m = 0; m < 8; m++)
#pragma unroll
        for (int e = 0; e < 4; e++) accumulator[m][e] = 0.0f;

    for (int pass = 0; pass < 2; pass++) {
        // Every warp is done with the previous pass's buffers before they refill.
        __syncthreads();
        mma_first_key_tile(keys, values, base, stride, dimension, length);
        for (int keyTile = 0; keyTile <= tile; keyTile++) {
            int buffer = keyTile & 1, firstKey = keyTile * MMA_TILE;
            mma_next_key_tile(keys, values, base, stride, dimension, length, keyTile, tile);
            float s[8][4], dot[8][4];
            fused_mma_logits<MMA_STEPS>(s, queries, keys[buffer], MMA_HEAD);
            fused_mma_logits<MMA_STEPS>(dot, gradients, values[buffer], MMA_HEAD);
#pragma unroll
            for (int n = 0; n < 8; n++)
#pragma unroll
                for (int e = 0; e < 4; e++) {
                    int r = e >> 1, i = rows[r], j = firstKey + 8 * n + 2 * t + (e & 1);
                    MmaGradient gradient =
                        mma_gradient(s[n][e], dot[n][e], j <= i && i < length, scaleLog2, rowLogSumExp2[r], dropout,
                                     seed, (headIndex + i) * length + j, keepScale);
                    if (pass == 0) rowTerm[r] += gradient.p * gradient.dP;
                    else s[n][e] = gradient.p * (gradient.dP - rowTerm[r]);
                }
            if (pass == 1) fused_mma_weighted_sum<MMA_STEPS>(accumulator, s, keys[buffer], MMA_HEAD);
        }
        if (pass == 0) {
#pragma unroll
            for (int r = 0; r < 2; r++) rowTerm[r] = mma_row_sum(rowTerm[r]);
        }
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        int i = rows[r];
        if (i >= length) continue;
        mma_store_row(qkvGradient + ((long long)b * length + i) * stride + h * MMA_HEAD, accumulator, r, scale);
        if (t == 0) rowTerms[headIndex + i] = rowTerm[r];
    }
}

// Fills one buffer of the key pass with the query tile starting at row `first`: the queries and
// their output gradients asynchronously (joining the next fused_commit group), the rows'
// log2(e) logSumExp and row terms directly (0 past the sequence).
__device__ __forceinline__ void mma_fill_queries(unsigned short (*queries)[MMA_STRIDE],
                                                 unsigned short (*gradients)[MMA_STRIDE], float *logSumExp2,
                                                 float *terms, const bf16 *base, const bf16 *gradientBase,
                                                 const float *logSumExp, const float *rowTerms, long long headIndex,
                                                 long long stride, int dimension, int first, int length) {
    mma_copy_rows(queries, base, stride, first, length);
    mma_copy_rows(gradients, gradientBase, dimension, first, length);
    if (threadIdx.x < MMA_TILE) {
        int row = first + threadIdx.x;
        logSumExp2[threadIdx.x] = row < length ? logSumExp[headIndex + row] * FUSED_LOG2E : 0.0f;
        terms[threadIdx.x] = row < length ? rowTerms[headIndex + row] : 0.0f;
    }
}

// Backward, pass 2 of 2: the key and value gradients of key row j from the query rows i >= j:
// dK_j = scale * sum_i dS_ij Q_i, dV_j = sum_i keep_ij P_ij dO_i. Here the warps own key rows
// and sweep query tiles blockIdx.x...; the products are transposed (key row by query column).
// qkv, qkvGradient and outputGradient bfloat16, saved float32.
extern "C" __global__ void __launch_bounds__(MMA_THREADS) flash_attention_mma_backward_key_bf16(
    bf16 *qkvGradient, const float *saved, const bf16 *outputGradient, const bf16 *qkv, int length, int heads,
    int dimension, double dropout, unsigned long long seed, float keepScale, float scale) {
    __shared__ __align__(16) unsigned short queries[2][MMA_TILE][MMA_STRIDE];
    __shared__ __align__(16) unsigned short gradients[2][MMA_TILE][MMA_STRIDE];
    __shared__ float tileLogSumExp2[2][MMA_TILE], tileRowTerms[2][MMA_TILE];
    int tile = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2, t = lane & 3;
    long long stride = 3LL * dimension;
    const bf16 *base = qkv + (long long)b * length * stride + h * MMA_HEAD;
    const bf16 *gradientBase = outputGradient + (long long)b * length * dimension + h * MMA_HEAD;
    long long headIndex = ((long long)b * heads + h) * length;
    const float *logSumExp = saved;
    const float *rowTerms = saved + (long long)gridDim.z * heads * length;
    int top = tile * MMA_TILE + 16 * warp, keyRows[2] = {top + g, top + g + 8};
    float scaleLog2 = scale * FUSED_LOG2E;
    unsigned keys[MMA_HEAD / 16][4], values[MMA_HEAD / 16][4];
    mma_row_fragments(keys, base + dimension, stride, top, length);
    mma_row_fragments(values, base + 2 * dimension, stride, top, length);
    float keyAccumulator[8][4], valueAccumulator[8][4];
#pragma unroll
    for (int m = 0; m < 8; m++)
#pragma unroll
        for (int e = 0; e < 4; e++) keyAccumulator[m][e] = valueAccumulator[m][e] = 0.0f;

    int tiles = (length + MMA_TILE - 1) / MMA_TILE;
    mma_fill_queries(queries[0], gradients[0], tileLogSumExp2[0], tileRowTerms[0], base, gradientBase, logSumExp,
                     rowTerms, headIndex, stride, dimension, tile * MMA_TILE, length);
    fused_commit();
    for (int queryTile = tile; queryTile < tiles; queryTile++) {
        int buffer = (queryTile - tile) & 1, firstQuery = queryTile * MMA_TILE;
        // Every warp is done with the other buffer (query tile queryTile - 1) before it refills.
        __syncthreads();
        if (queryTile + 1 < tiles)
            mma_fill_queries(queries[buffer ^ 1], gradients[buffer ^ 1], tileLogSumExp2[buffer ^ 1],
                             tileRowTerms[buffer ^ 1], base, gradientBase, logSumExp, rowTerms, headIndex, stride,
                             dimension, firstQuery + MMA_TILE, length);
        fused_commit();
        fused_wait_previous();
        __syncthreads();
        float s[8][4], dot[8][4];
        fused_mma_logits<MMA_STEPS>(s, keys, queries[buffer], MMA_HEAD);
        fused_mma_logits<MMA_STEPS>(dot, values, gradients[buffer], MMA_HEAD);
#pragma unroll
        for (int n = 0; n < 8; n++)
#pragma unroll
            for (int e = 0; e < 4; e++) {
                int q = 8 * n + 2 * t + (e & 1), i = firstQuery + q, j = keyRows[e >> 1];
                MmaGradient gradient =
                    mma_gradient(s[n][e], dot[n][e], j <= i && i < length, scaleLog2, tileLogSumExp2[buffer][q],
                                 dropout, seed, (headIndex + i) * length + j, keepScale);
                s[n][e] = gradient.p * (gradient.dP - tileRowTerms[buffer][q]);
                dot[n][e] = gradient.weight;
            }
        fused_mma_weighted_sum<MMA_STEPS>(valueAccumulator, dot, gradients[buffer], MMA_HEAD);
        fused_mma_weighted_sum<MMA_STEPS>(keyAccumulator, s, queries[buffer], MMA_HEAD);
    }
#pragma unroll
    for (int r = 0; r < 2; r++) {
        int j = keyRows[r];
        if (j >= length) continue;
        bf16 *dk = qkvGradient + ((long long)b * length + j) * stride + dimension + h * MMA_HEAD;
        mma_store_row(dk, keyAccumulator, r, scale);
        mma_store_row(dk + dimension, valueAccumulator, r, 1.0f);
    }
}
