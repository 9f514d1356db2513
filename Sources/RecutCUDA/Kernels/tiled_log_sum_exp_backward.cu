// Backward pass of the fused losses whose columns are shared by many rows (see
// tiled_log_sum_exp_forward.cu): each 64 x 64 logit tile is recomputed, turned into
// softmax weights w = exp(z - logSumExp[row]) (minus 1 at the target for the full catalog),
// and multiplied by the other operand, once owned by rows (dH) and once owned by columns
// (dE). A tile whose weights are all dropped by the filter is skipped whole.
#include "fused_tiles.cuh"

// Stores the transposed weight tile: weights[s][f] for the block's fixed entries f and
// sweeping entries s; says (for the whole block) whether any weight counts.
__device__ __forceinline__ bool fused_store_weights(float (*weightTile)[FUSED_STRIDE], const float w[4][4],
                                                    const FusedColumns &columns, float threshold) {
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    bool counts = false;
#pragma unroll
    for (int j = 0; j < 4; j++) {
        *reinterpret_cast<float4 *>(&weightTile[4 * tx + j][4 * ty]) = make_float4(w[0][j], w[1][j], w[2][j], w[3][j]);
#pragma unroll
        for (int i = 0; i < 4; i++) counts = counts || fused_weight_counts(w[i][j], columns, threshold);
    }
    return __syncthreads_or(counts) != 0;
}

// hiddenGradient[r] = scale * sum over the group's columns of w[r, j] table[id_j] (written, not added).
// Parallel layout: block (x, y) owns row tile x of group y and sweeps all of the group's
// column tiles; thread (ty, tx) accumulates rows 4ty..4ty+3, dimensions 2tx and 2tx + 1 of each chunk.
extern "C" __global__ void tiled_hidden_gradient_f32(float *hiddenGradient, const float *logSumExp,
                                                     const float *hidden, const float *table, const int *targets,
                                                     const int *ids, const float *logQ, int logQMode,
                                                     float logNegatives, int rows, int columns, int rowsPerGroup,
                                                     int dimension, long long tableRows, float scale,
                                                     float threshold) {
    __shared__ __align__(16) float fixedTile[FUSED_CHUNK][FUSED_STRIDE];
    __shared__ __align__(16) float sweepTile[FUSED_CHUNK][FUSED_STRIDE];
    __shared__ __align__(16) float weightTile[FUSED_TILE][FUSED_STRIDE];
    __shared__ int fixedRows[FUSED_TILE], sweepRows[FUSED_TILE];
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    long long groupFirst = (long long)blockIdx.y * rowsPerGroup;
    long long groupEnd = min(groupFirst + rowsPerGroup, (long long)rows);
    long long rowStart = groupFirst + (long long)blockIdx.x * FUSED_TILE;
    FusedColumns cols = {ids, (long long)blockIdx.y * columns, columns, tableRows, logQ, logQMode, logNegatives};
    if (threadIdx.x < FUSED_TILE) {
        long long row = rowStart + threadIdx.x;
        fixedRows[threadIdx.x] = row < groupEnd ? (int)row : -1;
    }
    __syncthreads();
    int myRows[4];
#pragma unroll
    for (int i = 0; i < 4; i++) myRows[i] = fixedRows[4 * ty + i];
    float out[FUSED_MAX_CHUNKS][4][2] = {};
    int tileCount = (columns + FUSED_TILE - 1) / FUSED_TILE;
    for (int tile = 0; tile < tileCount; tile++) {
        int j0 = tile * FUSED_TILE;
        __syncthreads();
        if (threadIdx.x < FUSED_TILE) sweepRows[threadIdx.x] = fused_column_id(cols, j0 + threadIdx.x);
        float w[4][4];
        fused_logit_tile(w, fixedTile, sweepTile, hidden, fixedRows, table, sweepRows, dimension);
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int id = sweepRows[4 * tx + j];
#pragma unroll
            for (int i = 0; i < 4; i++)
                w[i][j] = fused_weight(w[i][j], myRows[i], id, j0 + 4 * tx + j, targets, logSumExp, cols, threshold);
        }
        if (!fused_store_weights(weightTile, w, cols, threshold)) continue;
        fused_weighted_sum(out, weightTile, sweepTile, table, sweepRows, dimension);
    }
#pragma unroll
    for (int c = 0; c < FUSED_MAX_CHUNKS; c++)
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int e = 0; e < 2; e++) {
                int column = c * FUSED_CHUNK + 2 * tx + e;
                if (myRows[i] >= 0 && column < dimension)
                    hiddenGradient[(long long)myRows[i] * dimension + column] = scale * out[c][i][e];
            }
}

// tableGradient[id_j] += scale * sum over the group's rows of w[r, j] hidden[r], with float
// atomics (ids may repeat, and row splits share a column), so the order of additions varies
// between runs. Parallel layout: block (x, y, z) owns column tile x of group y and sweeps the
// row tiles of split z; thread (ty, tx) accumulates columns 4ty..4ty+3, dimensions 2tx and 2tx + 1 of each chunk.
extern "C" __global__ void tiled_table_gradient_f32(float *tableGradient, const float *logSumExp,
                                                    const float *hidden, const float *table, const int *targets,
                                                    const int *ids, const float *logQ, int logQMode,
                                                    float logNegatives, int rows, int columns, int rowsPerGroup,
                                                    int dimension, long long tableRows, float scale, float threshold,
                                                    int rowTilesPerSplit) {
    __shared__ __align__(16) float fixedTile[FUSED_CHUNK][FUSED_STRIDE];
    __shared__ __align__(16) float sweepTile[FUSED_CHUNK][FUSED_STRIDE];
    __shared__ __align__(16) float weightTile[FUSED_TILE][FUSED_STRIDE];
    __shared__ int fixedRows[FUSED_TILE], sweepRows[FUSED_TILE];
    int tx = threadIdx.x & 15, ty = threadIdx.x >> 4;
    long long groupFirst = (long long)blockIdx.y * rowsPerGroup;
    long long groupEnd = min(groupFirst + rowsPerGroup, (long long)rows);
    int j0 = blockIdx.x * FUSED_TILE;
    FusedColumns cols = {ids, (long long)blockIdx.y * columns, columns, tableRows, logQ, logQMode, logNegatives};
    if (threadIdx.x < FUSED_TILE) fixedRows[threadIdx.x] = fused_column_id(cols, j0 + threadIdx.x);
    __syncthreads();
    int myIDs[4];
#pragma unroll
    for (int i = 0; i < 4; i++) myIDs[i] = fixedRows[4 * ty + i];
    float out[FUSED_MAX_CHUNKS][4][2] = {};
    int tileCount = (int)((groupEnd - groupFirst + FUSED_TILE - 1) / FUSED_TILE);
    int firstTile = blockIdx.z * rowTilesPerSplit, endTile = min(firstTile + rowTilesPerSplit, tileCount);
    for (int tile = firstTile; tile < endTile; tile++) {
        long long rowStart = groupFirst + (long long)tile * FUSED_TILE;
        __syncthreads();
        if (threadIdx.x < FUSED_TILE) {
            long long row = rowStart + threadIdx.x;
            sweepRows[threadIdx.x] = row < groupEnd ? (int)row : -1;
        }
        float w[4][4];
        fused_logit_tile(w, fixedTile, sweepTile, table, fixedRows, hidden, sweepRows, dimension);
#pragma unroll
        for (int j = 0; j < 4; j++) {
            int row = sweepRows[4 * tx + j];
#pragma unroll
            for (int i = 0; i < 4; i++)
                w[i][j] = fused_weight(w[i][j], row, myIDs[i], j0 + 4 * ty + i, targets, logSumExp, cols, threshold);
        }
        if (!fused_store_weights(weightTile, w, cols, threshold)) continue;
        fused_weighted_sum(out, weightTile, sweepTile, hidden, sweepRows, dimension);
    }
#pragma unroll
    for (int c = 0; c < FUSED_MAX_CHUNKS; c++)
#pragma unroll
        for (int i = 0; i < 4; i++)
#pragma unroll
            for (int e = 0; e < 2; e++) {
                int column = c * FUSED_CHUNK + 2 * tx + e;
                if (myIDs[i] >= 0 && column < dimension && out[c][i][e] != 0.0f)
                    atomicAdd(tableGradient + (long long)myIDs[i] * dimension + column, scale * out[c][i][e]);
            }
}
