// Causal multi-head self-attention that never stores the [length, length] probabilities:
// forward keeps the log-sum-exp of each query row, backward recomputes the probabilities
// tile by tile (FlashAttention's scheme, in fp32 on the CUDA cores). For head sizes up to
// 64 and lengths up to 512. qkv rows hold queries, keys and values side by side (row stride
// 3 * dimension), each split into `heads` contiguous heads. The dropout mask is indexed by
// the position the probability would have in a [batch, heads, length, length] tensor, as in
// attention.cu and the CPU op, and recomputed, never stored.
//
// Each kernel has an all-float32 variant (_f32) and a mixed one (_bf16: qkv, output and
// their gradients bfloat16, saved statistics float32, as in RecutCore's MixedPrecision);
// both load into the same float tiles and registers and compute in float.
//
// Saved statistics, per (sequence, head, row): logSumExp [batch * heads * length], then
// rowTerms D_i = sum_j P_ij dP_ij [batch * heads * length], written by the backward pass.
//
// Parallel layout of every kernel: one block of 256 threads (8 warps) per (tile of 32 rows,
// head, sequence); warp w owns rows 4w...4w+3 of the tile; in the inner loops lane l takes
// key (or query) l of the other operand's 32-row tile, and for the column sums lane l owns
// columns l and l + 32 of the head. The loops are ordered so that each shared-memory value
// read serves all four rows of the warp: the dot products read float4s (each lane's own row
// once for the four rows), the column sums read each column value once for the four rows.
// Shared tiles hold the head zero-padded to whole float4s, with one float4 more per row
// so that lanes reading float4s of consecutive rows hit distinct banks.
#include "block_reduce.cuh"
#include "dropout_mask.cuh"
#include "precision.cuh"

#define TILE 32
#define ROWS_PER_WARP 4
#define MAX_HEAD 64
#define COLUMNS_PER_LANE (MAX_HEAD / 32)

// The head size rounded up to whole float4s, and the row pitch of a shared tile.
__device__ __forceinline__ int padded_head(int headSize) { return (headSize + 3) & ~3; }
__device__ __forceinline__ int tile_pitch(int headSize) { return padded_head(headSize) + 4; }

// Copies TILE rows of a head (row stride `stride`) starting at `first` into shared memory
// with row pitch `pitch`, zero-filling rows at or past `length` and the padding columns.
template <typename T>
__device__ __forceinline__ void load_tile(float *target, int pitch, const T *source, long long stride, int first,
                                          int length, int headSize) {
    int padded = padded_head(headSize);
    for (int e = threadIdx.x; e < TILE * padded; e += blockDim.x) {
        int r = e / padded, c = e - r * padded;
        bool inside = first + r < length && c < headSize;
        target[r * pitch + c] = inside ? load_float(source, (long long)(first + r) * stride + c) : 0.0f;
    }
}

// dots[r] = rows[firstRow + r] . other over the padded head, for the warp's four rows:
// `other` (this lane's row) is read once per float4 for all four, the rows are broadcasts.
__device__ __forceinline__ void four_row_dots(float (&dots)[ROWS_PER_WARP], const float *rows, int firstRow,
                                              const float *other, int pitch, int padded) {
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) dots[r] = 0.0f;
#pragma unroll 4
    for (int c = 0; c < padded; c += 4) {
        float4 o = *reinterpret_cast<const float4 *>(other + c);
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; r++) {
            float4 a = *reinterpret_cast<const float4 *>(rows + (firstRow + r) * pitch + c);
            dots[r] = fmaf(a.x, o.x, dots[r]);
            dots[r] = fmaf(a.y, o.y, dots[r]);
            dots[r] = fmaf(a.z, o.z, dots[r]);
            dots[r] = fmaf(a.w, o.w, dots[r]);
        }
    }
}

// This lane's columns (lane, lane + 32) of row k of a tile, 0 past the head.
__device__ __forceinline__ void lane_columns(float (&values)[COLUMNS_PER_LANE], const float *tile, int k, int pitch,
                                             int headSize) {
    int lane = threadIdx.x & 31;
#pragma unroll
    for (int t = 0; t < COLUMNS_PER_LANE; t++) {
        int c = lane + 32 * t;
        values[t] = c < headSize ? tile[k * pitch + c] : 0.0f;
    }
}

// Dynamic shared memory: 3 * TILE * tile_pitch(headSize) floats.
template <typename T>
__device__ __forceinline__ void flash_attention_forward(T *output, float *saved, const T *qkv, int length, int heads,
                                                        int dimension, double dropout, unsigned long long seed,
                                                        float keepScale, float scale) {
    extern __shared__ float shared[];
    int tile = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int headSize = dimension / heads, pitch = tile_pitch(headSize), padded = padded_head(headSize);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    long long stride = 3LL * dimension;
    const T *base = qkv + (long long)b * length * stride + h * headSize;
    float *queries = shared, *keys = shared + TILE * pitch, *values = shared + 2 * TILE * pitch;
    int firstRow = tile * TILE;
    load_tile(queries, pitch, base, stride, firstRow, length, headSize);

    float maximum[ROWS_PER_WARP], total[ROWS_PER_WARP], accumulator[ROWS_PER_WARP][COLUMNS_PER_LANE];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        maximum[r] = RECUT_NEGATIVE_INFINITY;
        total[r] = 0.0f;
#pragma unroll
        for (int t = 0; t < COLUMNS_PER_LANE; t++) accumulator[r][t] = 0.0f;
    }
    long long headIndex = ((long long)b * heads + h) * length;
    for (int keyTile = 0; keyTile <= tile; keyTile++) {
        int firstKey = keyTile * TILE, j = firstKey + lane;
        __syncthreads();
        load_tile(keys, pitch, base + dimension, stride, firstKey, length, headSize);
        load_tile(values, pitch, base + 2 * dimension, stride, firstKey, length, headSize);
        __syncthreads();
        float score[ROWS_PER_WARP], kept[ROWS_PER_WARP];
        four_row_dots(score, queries, warp * ROWS_PER_WARP, keys + lane * pitch, pitch, padded);
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; r++) {
            int i = firstRow + warp * ROWS_PER_WARP + r;
            float rowScore = j <= i ? score[r] * scale : RECUT_NEGATIVE_INFINITY;
            float newMaximum = fmaxf(maximum[r], warp_max(rowScore));
            kept[r] = 0.0f;
            // Rows past the sequence see only masked keys; keep them finite.
            if (newMaximum == RECUT_NEGATIVE_INFINITY) continue;
            float correction = expf(maximum[r] - newMaximum);
            float p = j <= i ? expf(rowScore - newMaximum) : 0.0f;
            total[r] = total[r] * correction + warp_sum(p);
            maximum[r] = newMaximum;
            kept[r] = p;
            if (dropout > 0) kept[r] = dropout_keeps(seed, (headIndex + i) * length + j, dropout) ? p * keepScale : 0.0f;
#pragma unroll
            for (int t = 0; t < COLUMNS_PER_LANE; t++) accumulator[r][t] *= correction;
        }
#pragma unroll 8
        for (int k = 0; k < TILE; k++) {
            float value[COLUMNS_PER_LANE];
            lane_columns(value, values, k, pitch, headSize);
#pragma unroll
            for (int r = 0; r < ROWS_PER_WARP; r++) {
                float weight = __shfl_sync(0xffffffffu, kept[r], k);
#pragma unroll
                for (int t = 0; t < COLUMNS_PER_LANE; t++) accumulator[r][t] += weight * value[t];
            }
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        int i = firstRow + warp * ROWS_PER_WARP + r;
        if (i >= length) continue;
        T *out = output + ((long long)b * length + i) * dimension + h * headSize;
#pragma unroll
        for (int t = 0; t < COLUMNS_PER_LANE; t++) {
            int c = lane + 32 * t;
            if (c < headSize) store_float(out, c, accumulator[r][t] / total[r]);
        }
        if (lane == 0) saved[headIndex + i] = maximum[r] + logf(total[r]);
    }
}

extern "C" __global__ void flash_attention_forward_f32(float *output, float *saved, const float *qkv, int length,
                                                       int heads, int dimension, double dropout,
                                                       unsigned long long seed, float keepScale, float scale) {
    flash_attention_forward(output, saved, qkv, length, heads, dimension, dropout, seed, keepScale, scale);
}

// qkv and output bfloat16, saved float32.
extern "C" __global__ void flash_attention_forward_bf16(bf16 *output, float *saved, const bf16 *qkv, int length,
                                                        int heads, int dimension, double dropout,
                                                        unsigned long long seed, float keepScale, float scale) {
    flash_attention_forward(output, saved, qkv, length, heads, dimension, dropout, seed, keepScale, scale);
}

// Backward, pass 1 of 2: the query gradient dQ_i = scale * sum_j dS_ij K_j with
// dS_ij = P_ij (dP_ij - D_i), and the row terms D_i (saved for pass 2).
// Dynamic shared memory: 4 * TILE * tile_pitch(headSize) floats.
template <typename T>
__device__ __forceinline__ void flash_attention_backward_query(T *qkvGradient, float *saved, const T *outputGradient,
                                                               const T *qkv, int length, int heads, int dimension,
                                                               double dropout, unsigned long long seed,
                                                               float keepScale, float scale) {
    extern __shared__ float shared[];
    int tile = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int headSize = dimension / heads, pitch = tile_pitch(headSize), padded = padded_head(headSize);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    long long stride = 3LL * dimension;
    const T *base = qkv + (long long)b * length * stride + h * headSize;
    const T *gradientBase = outputGradient + (long long)b * length * dimension + h * headSize;
    float *queries = shared, *outputGradients = shared + TILE * pitch;
    float *keys = shared + 2 * TILE * pitch, *values = shared + 3 * TILE * pitch;
    int firstRow = tile * TILE;
    long long headIndex = ((long long)b * heads + h) * length;
    const float *logSumExp = saved;
    float *rowTerms = saved + (long long)gridDim.z * heads * length;
    load_tile(queries, pitch, base, stride, firstRow, length, headSize);
    load_tile(outputGradients, pitch, gradientBase, dimension, firstRow, length, headSize);

    float rowLogSumExp[ROWS_PER_WARP], rowTerm[ROWS_PER_WARP], accumulator[ROWS_PER_WARP][COLUMNS_PER_LANE];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        int i = firstRow + warp * ROWS_PER_WARP + r;
        rowLogSumExp[r] = i < length ? logSumExp[headIndex + i] : 0.0f;
        rowTerm[r] = 0.0f;
#pragma unroll
        for (int t = 0; t < COLUMNS_PER_LANE; t++) accumulator[r][t] = 0.0f;
    }
    // Pass 0 sums the row terms D_i; pass 1 accumulates dQ.
    for (int pass = 0; pass < 2; pass++) {
        for (int keyTile = 0; keyTile <= tile; keyTile++) {
            int firstKey = keyTile * TILE, j = firstKey + lane;
            __syncthreads();
            load_tile(keys, pitch, base + dimension, stride, firstKey, length, headSize);
            load_tile(values, pitch, base + 2 * dimension, stride, firstKey, length, headSize);
            __syncthreads();
            float score[ROWS_PER_WARP], dot[ROWS_PER_WARP], dS[ROWS_PER_WARP];
            four_row_dots(score, queries, warp * ROWS_PER_WARP, keys + lane * pitch, pitch, padded);
            four_row_dots(dot, outputGradients, warp * ROWS_PER_WARP, values + lane * pitch, pitch, padded);
#pragma unroll
            for (int r = 0; r < ROWS_PER_WARP; r++) {
                int i = firstRow + warp * ROWS_PER_WARP + r;
                bool visible = j <= i && i < length;
                float p = visible ? expf(score[r] * scale - rowLogSumExp[r]) : 0.0f;
                bool kept = dropout > 0 ? dropout_keeps(seed, (headIndex + i) * length + j, dropout) : true;
                float dP = kept ? dot[r] * keepScale : 0.0f;
                if (pass == 0) rowTerm[r] += p * dP;
                dS[r] = p * (dP - rowTerm[r]);
            }
            if (pass == 0) continue;
#pragma unroll 8
            for (int k = 0; k < TILE; k++) {
                float key[COLUMNS_PER_LANE];
                lane_columns(key, keys, k, pitch, headSize);
#pragma unroll
                for (int r = 0; r < ROWS_PER_WARP; r++) {
                    float weight = __shfl_sync(0xffffffffu, dS[r], k);
#pragma unroll
                    for (int t = 0; t < COLUMNS_PER_LANE; t++) accumulator[r][t] += weight * key[t];
                }
            }
        }
        if (pass == 0) {
#pragma unroll
            for (int r = 0; r < ROWS_PER_WARP; r++) rowTerm[r] = warp_sum(rowTerm[r]);
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        int i = firstRow + warp * ROWS_PER_WARP + r;
        if (i >= length) continue;
        T *dq = qkvGradient + ((long long)b * length + i) * stride + h * headSize;
#pragma unroll
        for (int t = 0; t < COLUMNS_PER_LANE; t++) {
            int c = lane + 32 * t;
            if (c < headSize) store_float(dq, c, scale * accumulator[r][t]);
        }
        if (lane == 0) rowTerms[headIndex + i] = rowTerm[r];
    }
}

extern "C" __global__ void flash_attention_backward_query_f32(float *qkvGradient, float *saved,
                                                              const float *outputGradient, const float *qkv,
                                                              int length, int heads, int dimension, double dropout,
                                                              unsigned long long seed, float keepScale, float scale) {
    flash_attention_backward_query(qkvGradient, saved, outputGradient, qkv, length, heads, dimension, dropout, seed,
                                   keepScale, scale);
}

// qkv, qkvGradient and outputGradient bfloat16, saved float32.
extern "C" __global__ void flash_attention_backward_query_bf16(bf16 *qkvGradient, float *saved,
                                                               const bf16 *outputGradient, const bf16 *qkv,
                                                               int length, int heads, int dimension, double dropout,
                                                               unsigned long long seed, float keepScale, float scale) {
    flash_attention_backward_query(qkvGradient, saved, outputGradient, qkv, length, heads, dimension, dropout, seed,
                                   keepScale, scale);
}

// Backward, pass 2 of 2: the key and value gradients of key row j from the query rows
// i >= j: dK_j = scale * sum_i dS_ij Q_i, dV_j = sum_i keep_ij P_ij dO_i.
// Here warp w owns key rows 4w...4w+3 of the block's tile and lane l takes query l of each
// query tile. Dynamic shared memory: 4 * TILE * tile_pitch(headSize) floats + 2 * TILE.
template <typename T>
__device__ __forceinline__ void flash_attention_backward_key(T *qkvGradient, const float *saved,
                                                             const T *outputGradient, const T *qkv, int length,
                                                             int heads, int dimension, double dropout,
                                                             unsigned long long seed, float keepScale, float scale) {
    extern __shared__ float shared[];
    int tile = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int headSize = dimension / heads, pitch = tile_pitch(headSize), padded = padded_head(headSize);
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    long long stride = 3LL * dimension;
    const T *base = qkv + (long long)b * length * stride + h * headSize;
    const T *gradientBase = outputGradient + (long long)b * length * dimension + h * headSize;
    float *keys = shared, *values = shared + TILE * pitch;
    float *queries = shared + 2 * TILE * pitch, *outputGradients = shared + 3 * TILE * pitch;
    float *tileLogSumExp = shared + 4 * TILE * pitch, *tileRowTerms = tileLogSumExp + TILE;
    int firstKey = tile * TILE;
    long long headIndex = ((long long)b * heads + h) * length;
    const float *logSumExp = saved;
    const float *rowTerms = saved + (long long)gridDim.z * heads * length;
    load_tile(keys, pitch, base + dimension, stride, firstKey, length, headSize);
    load_tile(values, pitch, base + 2 * dimension, stride, firstKey, length, headSize);

    float keyAccumulator[ROWS_PER_WARP][COLUMNS_PER_LANE], valueAccumulator[ROWS_PER_WARP][COLUMNS_PER_LANE];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
#pragma unroll
        for (int t = 0; t < COLUMNS_PER_LANE; t++) keyAccumulator[r][t] = valueAccumulator[r][t] = 0.0f;
    }
    int tiles = (length + TILE - 1) / TILE;
    for (int queryTile = tile; queryTile < tiles; queryTile++) {
        int firstQuery = queryTile * TILE, i = firstQuery + lane;
        __syncthreads();
        load_tile(queries, pitch, base, stride, firstQuery, length, headSize);
        load_tile(outputGradients, pitch, gradientBase, dimension, firstQuery, length, headSize);
        if (threadIdx.x < TILE) {
            int row = firstQuery + threadIdx.x;
            tileLogSumExp[threadIdx.x] = row < length ? logSumExp[headIndex + row] : 0.0f;
            tileRowTerms[threadIdx.x] = row < length ? rowTerms[headIndex + row] : 0.0f;
        }
        __syncthreads();
        float score[ROWS_PER_WARP], dot[ROWS_PER_WARP], dS[ROWS_PER_WARP], weight[ROWS_PER_WARP];
        four_row_dots(score, keys, warp * ROWS_PER_WARP, queries + lane * pitch, pitch, padded);
        four_row_dots(dot, values, warp * ROWS_PER_WARP, outputGradients + lane * pitch, pitch, padded);
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; r++) {
            int j = firstKey + warp * ROWS_PER_WARP + r;
            bool visible = j <= i && i < length && j < length;
            float p = visible ? expf(score[r] * scale - tileLogSumExp[lane]) : 0.0f;
            bool kept = dropout > 0 ? dropout_keeps(seed, (headIndex + i) * length + j, dropout) : true;
            float dP = kept ? dot[r] * keepScale : 0.0f;
            dS[r] = p * (dP - tileRowTerms[lane]);
            weight[r] = kept ? p * keepScale : 0.0f;
        }
#pragma unroll 8
        for (int k = 0; k < TILE; k++) {
            float query[COLUMNS_PER_LANE], gradient[COLUMNS_PER_LANE];
            lane_columns(query, queries, k, pitch, headSize);
            lane_columns(gradient, outputGradients, k, pitch, headSize);
#pragma unroll
            for (int r = 0; r < ROWS_PER_WARP; r++) {
                float keyWeight = __shfl_sync(0xffffffffu, dS[r], k);
                float valueWeight = __shfl_sync(0xffffffffu, weight[r], k);
#pragma unroll
                for (int t = 0; t < COLUMNS_PER_LANE; t++) {
                    keyAccumulator[r][t] += keyWeight * query[t];
                    valueAccumulator[r][t] += valueWeight * gradient[t];
                }
            }
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        int j = firstKey + warp * ROWS_PER_WARP + r;
        if (j >= length) continue;
        T *dk = qkvGradient + ((long long)b * length + j) * stride + dimension + h * headSize;
        T *dv = dk + dimension;
#pragma unroll
        for (int t = 0; t < COLUMNS_PER_LANE; t++) {
            int c = lane + 32 * t;
            if (c < headSize) {
                store_float(dk, c, scale * keyAccumulator[r][t]);
                store_float(dv, c, valueAccumulator[r][t]);
            }
        }
    }
}

extern "C" __global__ void flash_attention_backward_key_f32(float *qkvGradient, const float *saved,
                                                            const float *outputGradient, const float *qkv,
                                                            int length, int heads, int dimension, double dropout,
                                                            unsigned long long seed, float keepScale, float scale) {
    flash_attention_backward_key(qkvGradient, saved, outputGradient, qkv, length, heads, dimension, dropout, seed,
                                 keepScale, scale);
}

// qkv, qkvGradient and outputGradient bfloat16, saved float32.
extern "C" __global__ void flash_attention_backward_key_bf16(bf16 *qkvGradient, const float *saved,
                                                             const bf16 *outputGradient, const bf16 *qkv,
                                                             int length, int heads, int dimension, double dropout,
                                                             unsigned long long seed, float keepScale, float scale) {
    flash_attention_backward_key(qkvGradient, saved, outputGradient, qkv, length, heads, dimension, dropout, seed,
                                 keepScale, scale);
}
