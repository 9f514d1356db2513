// Tiles of logits hidden[row] . table[id] for the fused losses whose columns are shared by
// many rows: the full catalog of `cce` (column j is item 1 + j) and the per-batch or
// per-sequence negatives of `cce-` (column j is the id in slot j of the group's id row).
// A block of 256 threads (16 x 16) owns a 64 x 64 tile: thread (ty, tx) holds the logits of
// fixed-side entries 4ty..4ty+3 and sweeping-side entries 4tx..4tx+3 in registers. Both
// operands pass through shared memory 32 dimensions at a time, so any d up to
// FUSED_MAX_DIMENSION fits; the products are plain float32 FMAs (no tf32).
#pragma once
#include "block_reduce.cuh"

#define FUSED_TILE 64
#define FUSED_CHUNK 32
#define FUSED_STRIDE 68
#define FUSED_MAX_CHUNKS 4
#define FUSED_MAX_DIMENSION (FUSED_CHUNK * FUSED_MAX_CHUNKS)
#define FUSED_THREADS 256

// The columns of one group: ids == nullptr means the full catalog (column j is item 1 + j).
// logQMode: 0 none, 1 per item (logQ[id]), 2 per negative (logQ[slot]).
struct FusedColumns {
    const int *ids;
    long long firstSlot;
    int count;
    long long tableRows;
    const float *logQ;
    int logQMode;
    float logNegatives;
};

// The table row of column j, or -1 when the column does not exist or its id is 0 or outside the table.
__device__ __forceinline__ int fused_column_id(const FusedColumns &columns, int j) {
    if (j >= columns.count) return -1;
    int id = columns.ids ? columns.ids[columns.firstSlot + j] : 1 + j;
    return id > 0 && id < columns.tableRows ? id : -1;
}

// The log-q shift subtracted from the logit of column j with item id.
__device__ __forceinline__ float fused_column_shift(const FusedColumns &columns, int j, int id) {
    if (columns.logQMode == 0) return 0.0f;
    return columns.logNegatives + (columns.logQMode == 1 ? columns.logQ[id] : columns.logQ[columns.firstSlot + j]);
}

// tile[kk][i] = source[rows[i] * d + c0 + kk] for kk < 32, i < 64; 0 for rows < 0 or
// dimensions past d. A warp reads 32 consecutive floats of one row.
__device__ __forceinline__ void fused_load_chunk(float (*tile)[FUSED_STRIDE], const float *source, const int *rows,
                                                 int c0, int dimension) {
    int kk = threadIdx.x & 31;
    for (int i = threadIdx.x >> 5; i < FUSED_TILE; i += FUSED_THREADS >> 5) {
        int row = rows[i], c = c0 + kk;
        tile[kk][i] = row >= 0 && c < dimension ? source[(long long)row * dimension + c] : 0.0f;
    }
}

// logits[i][j] = fixed[fixedRows[4ty + i]] . sweep[sweepRows[4tx + j]] over all d.
__device__ __forceinline__ void fused_logit_tile(float logits[4][4], float (*fixedTile)[FUSED_STRIDE],
                                                 float (*sweepTile)[FUSED_STRIDE], const float *fixed,
                                                 const int *fixedRows, const float *sweep, const int *sweepRows,
                                                 int dimension) {
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) logits[i][j] = 0.0f;
    for (int c0 = 0; c0 < dimension; c0 += FUSED_CHUNK) {
        __syncthreads();
        fused_load_chunk(fixedTile, fixed, fixedRows, c0, dimension);
        fused_load_chunk(sweepTile, sweep, sweepRows, c0, dimension);
        __syncthreads();
#pragma unroll 8
        for (int kk = 0; kk < FUSED_CHUNK; kk++) {
            float4 a = *reinterpret_cast<const float4 *>(&fixedTile[kk][4 * ty]);
            float4 b = *reinterpret_cast<const float4 *>(&sweepTile[kk][4 * tx]);
            float av[4] = {a.x, a.y, a.z, a.w}, bv[4] = {b.x, b.y, b.z, b.w};
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) logits[i][j] = fmaf(av[i], bv[j], logits[i][j]);
        }
    }
}

// tile[i][kk] = source[rows[i] * d + c0 + kk] (row-major, for the weighted sums); 0 for
// rows < 0 or dimensions past d. A warp reads and writes 32 consecutive floats of one row.
__device__ __forceinline__ void fused_load_rows(float (*tile)[FUSED_CHUNK], const float *source, const int *rows,
                                                int c0, int dimension) {
    int kk = threadIdx.x & 31;
    for (int i = threadIdx.x >> 5; i < FUSED_TILE; i += FUSED_THREADS >> 5) {
        int row = rows[i], c = c0 + kk;
        tile[i][kk] = row >= 0 && c < dimension ? source[(long long)row * dimension + c] : 0.0f;
    }
}

// out[c][i][e] += sum_s weights[s][4ty + i] * sweep[sweepRows[s]][32c + 2tx + e]: the weight
// tile (stored transposed, [sweep][fixed]) times the sweeping rows, chunk by chunk. The rows
// go row-major into the sweeping tile's memory, so each step reads one float4 of weights and
// one float2 of the rows.
__device__ __forceinline__ void fused_weighted_sum(float out[FUSED_MAX_CHUNKS][4][2],
                                                   float (*weights)[FUSED_STRIDE], float (*sweepTile)[FUSED_STRIDE],
                                                   const float *sweep, const int *sweepRows, int dimension) {
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    float (*rowTile)[FUSED_CHUNK] = reinterpret_cast<float (*)[FUSED_CHUNK]>(&sweepTile[0][0]);
#pragma unroll
    for (int c = 0; c < FUSED_MAX_CHUNKS; c++) {
        if (c * FUSED_CHUNK >= dimension) break;
        __syncthreads();
        fused_load_rows(rowTile, sweep, sweepRows, c * FUSED_CHUNK, dimension);
        __syncthreads();
#pragma unroll 4
        for (int s = 0; s < FUSED_TILE; s++) {
            float4 w = *reinterpret_cast<const float4 *>(&weights[s][4 * ty]);
            float2 b = *reinterpret_cast<const float2 *>(&rowTile[s][2 * tx]);
            float wv[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
            for (int i = 0; i < 4; i++) {
                out[c][i][0] = fmaf(wv[i], b.x, out[c][i][0]);
                out[c][i][1] = fmaf(wv[i], b.y, out[c][i][1]);
            }
        }
    }
}

// Combines the running (maximum, sum) of a log-sum-exp with another pair.
__device__ __forceinline__ void fused_combine(float &maximum, float &sum, float otherMaximum, float otherSum) {
    float top = fmaxf(maximum, otherMaximum);
    if (top == RECUT_NEGATIVE_INFINITY) return;
    sum = sum * expf(maximum - top) + otherSum * expf(otherMaximum - top);
    maximum = top;
}

// The unscaled softmax weight of one logit of the backward passes (0 for padding rows,
// missing or excluded columns). Full catalog: p - [id = target], kept whole (tiles are
// filtered as a whole); sampled: p, dropped when below the threshold.
__device__ __forceinline__ float fused_weight(float logit, int row, int id, int j, const int *targets,
                                              const float *logSumExp, const FusedColumns &columns, float threshold) {
    if (row < 0 || id < 0) return 0.0f;
    int target = targets[row];
    if (target == 0 || (columns.ids && id == target)) return 0.0f;
    float p = expf(logit - fused_column_shift(columns, j, id) - logSumExp[row]);
    if (!columns.ids) return id == target ? p - 1.0f : p;
    return p >= threshold ? p : 0.0f;
}

// Whether a weight keeps its tile in the backward pass: any nonzero weight of a sampled
// tile; for the full catalog, a weight of magnitude at least the threshold.
__device__ __forceinline__ bool fused_weight_counts(float weight, const FusedColumns &columns, float threshold) {
    float magnitude = fabsf(weight);
    return magnitude > 0.0f && (columns.ids || magnitude >= threshold);
}
