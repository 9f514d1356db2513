// Backward pass of the fused losses whose columns are shared by many rows (see
// tiled_log_sum_exp_forward.cu): each 64 x 64 logit tile is recomputed, turned into
// softmax weights w = exp(z - logSumExp[row]) (minus 1 at the target for the full catalog),
// and multiplied by the other operand, once owned by rows (dH) and once owned by columns
// (dE). A tile whose weights are all dropped by the filter is skipped whole.
#include "fused_tiles.cuh"
#include "fused_row_blocks.cuh"
#include "fused_tiles_bf16.cuh"

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

// Whether a warp's 16 x 64 weights may hold one that the filter keeps, tested on the logits
// before any exponential: for each of its rows, the largest base-2 exponent log2(e) logit -
// offsets[k] - rowOffsets[half] reaches log2(threshold), or (`holdsTarget`) a weight of the
// full catalog's target is in the tile. Always true without filtering.
__device__ __forceinline__ bool fused_warp_keeps(const float logits[8][4], const float offsets[16],
                                                 const float rowOffsets[2], bool holdsTarget, float log2Threshold) {
    bool keeps = holdsTarget || log2Threshold == RECUT_NEGATIVE_INFINITY;
#pragma unroll
    for (int half = 0; half < 2; half++)
        keeps = keeps || fused_row_maximum(logits, half, offsets) - rowOffsets[half] >= log2Threshold;
    return __any_sync(0xffffffffu, keeps);
}

// The bfloat16 twin of tiled_hidden_gradient_f32 (hidden, table and hiddenGradient bfloat16;
// logSumExp float32) on tensor cores for d <= 16 STEPS, same grid: block (x, y) of 4 warps owns
// row tile x of group y; warp w holds rows 16w..16w+15 as A fragments and their gradient in
// registers. A warp skips the weights and weighted sum of a tile that the filter drops whole
// (fused_warp_keeps).
template <int STEPS>
__device__ __forceinline__ void tiled_hidden_gradient(bf16 *hiddenGradient, const float *logSumExp, const bf16 *hidden,
                                                      const bf16 *table, const int *targets, const int *ids,
                                                      const float *logQ, int logQMode, float logNegatives, int rows,
                                                      int columns, int rowsPerGroup, int dimension,
                                                      long long tableRows, float scale, float threshold) {
    __shared__ __align__(16) typename FusedSweepTile<STEPS>::Row sweepTiles[2][FUSED_TILE];
    __shared__ int fixedRows[FUSED_TILE], sweepRows[FUSED_TILE];
    __shared__ float sweepShifts[FUSED_TILE];
    unsigned fragments[STEPS][4];
    int myRows[2], myTargets[2];
    fused_own_rows<STEPS>(fixedRows, fragments, myRows, myTargets, hidden, targets, rows, rowsPerGroup, dimension);
    float myLogSumExp2[2] = {myTargets[0] != 0 ? FUSED_LOG2E * logSumExp[myRows[0]] : FUSED_POSITIVE_INFINITY,
                             myTargets[1] != 0 ? FUSED_LOG2E * logSumExp[myRows[1]] : FUSED_POSITIVE_INFINITY};
    float out[2 * STEPS][4] = {};
    float log2Threshold = threshold > 0.0f ? log2f(threshold) : RECUT_NEGATIVE_INFINITY;
    int tileCount = (columns + FUSED_TILE - 1) / FUSED_TILE;
    FusedColumnSweep<STEPS> sweep =
        fused_column_sweep<STEPS>(sweepTiles, sweepRows, sweepShifts, table, ids, logQ, logQMode, logNegatives,
                                  columns, tableRows, dimension, 0, tileCount);
    sweep.start(0);
    for (int tile = 0; tile < tileCount; tile++) {
        int j0 = tile * FUSED_TILE;
        const typename FusedSweepTile<STEPS>::Row *sweepTile = sweep.arrive(tile, tile & 1);
        float w[8][4], shifts[16];
        fused_mma_logits<STEPS>(w, fragments, sweepTile, dimension);
        sweep.threadShifts(shifts);
        bool holdsTarget = !ids && ((unsigned)(myTargets[0] - 1 - j0) < FUSED_TILE ||
                                    (unsigned)(myTargets[1] - 1 - j0) < FUSED_TILE);
        if (!fused_warp_keeps(w, shifts, myLogSumExp2, holdsTarget, log2Threshold)) continue;
        unsigned targetMask = 0u;
#pragma unroll
        for (int k = 0; k < 16; k++) {
            int s = fused_sweep_entry(k);
#pragma unroll
            for (int half = 0; half < 2; half++) {
                bool isTarget = ids ? sweepRows[s] == myTargets[half] : j0 + s + 1 == myTargets[half];
                if (isTarget) targetMask |= fused_target_bit(k, half);
            }
        }
        fused_bf16_weights(w, shifts, myLogSumExp2, targetMask, ids != nullptr, threshold);
        fused_mma_weighted_sum<STEPS>(out, w, sweepTile, dimension);
    }
    int t = threadIdx.x & 3;
#pragma unroll
    for (int m = 0; m < 2 * STEPS; m++) {
        if (8 * m >= dimension) break;
#pragma unroll
        for (int half = 0; half < 2; half++) {
            if (myRows[half] < 0) continue;
            long long index = (long long)myRows[half] * dimension + 8 * m + 2 * t;
            *reinterpret_cast<unsigned *>(hiddenGradient + index) =
                fused_pack_bf16(scale * out[m][2 * half], scale * out[m][2 * half + 1]);
        }
    }
}

extern "C" __global__ void tiled_hidden_gradient_bf16(bf16 *hiddenGradient, const float *logSumExp, const bf16 *hidden,
                                                      const bf16 *table, const int *targets, const int *ids,
                                                      const float *logQ, int logQMode, float logNegatives, int rows,
                                                      int columns, int rowsPerGroup, int dimension,
                                                      long long tableRows, float scale, float threshold) {
    tiled_hidden_gradient<FUSED_BF16_MAX_STEPS>(hiddenGradient, logSumExp, hidden, table, targets, ids, logQ, logQMode,
                                                logNegatives, rows, columns, rowsPerGroup, dimension, tableRows, scale,
                                                threshold);
}
extern "C" __global__ void tiled_hidden_gradient_bf16_d64(bf16 *hiddenGradient, const float *logSumExp,
                                                          const bf16 *hidden, const bf16 *table, const int *targets,
                                                          const int *ids, const float *logQ, int logQMode,
                                                          float logNegatives, int rows, int columns, int rowsPerGroup,
                                                          int dimension, long long tableRows, float scale,
                                                          float threshold) {
    tiled_hidden_gradient<4>(hiddenGradient, logSumExp, hidden, table, targets, ids, logQ, logQMode, logNegatives,
                             rows, columns, rowsPerGroup, dimension, tableRows, scale, threshold);
}

// The bfloat16 twin of tiled_table_gradient_f32 (hidden and table bfloat16; tableGradient and
// logSumExp float32) on tensor cores for d <= 16 STEPS, same grid: block (x, y, z) of 4 warps
// owns column tile x of group y and sweeps the row tiles of split z; warp w holds columns
// 16w..16w+15 (their table rows) as A fragments and their gradient in registers, added with
// float atomics.
template <int STEPS>
__device__ __forceinline__ void tiled_table_gradient(float *tableGradient, const float *logSumExp, const bf16 *hidden,
                                                     const bf16 *table, const int *targets, const int *ids,
                                                     const float *logQ, int logQMode, float logNegatives, int rows,
                                                     int columns, int rowsPerGroup, int dimension,
                                                     long long tableRows, float scale, float threshold,
                                                     int rowTilesPerSplit) {
    __shared__ __align__(16) typename FusedSweepTile<STEPS>::Row sweepTiles[2][FUSED_TILE];
    __shared__ int fixedRows[FUSED_TILE], sweepTargets[FUSED_TILE];
    __shared__ float sweepLogSumExp2[FUSED_TILE];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, g = lane >> 2;
    long long groupFirst = (long long)blockIdx.y * rowsPerGroup;
    long long groupEnd = min(groupFirst + rowsPerGroup, (long long)rows);
    int j0 = blockIdx.x * FUSED_TILE;
    FusedColumns cols = {ids, (long long)blockIdx.y * columns, columns, tableRows, logQ, logQMode, logNegatives};
    if (threadIdx.x < FUSED_TILE) fixedRows[threadIdx.x] = fused_column_id(cols, j0 + threadIdx.x);
    __syncthreads();
    unsigned fragments[STEPS][4];
    fused_fixed_fragments<STEPS>(fragments, table, fixedRows, dimension);
    int myColumns[2] = {16 * warp + g, 16 * warp + g + 8};
    int myIDs[2] = {fixedRows[myColumns[0]], fixedRows[myColumns[1]]};
    float myShifts2[2];
#pragma unroll
    for (int half = 0; half < 2; half++)
        myShifts2[half] = myIDs[half] >= 0 ? FUSED_LOG2E * fused_column_shift(cols, j0 + myColumns[half], myIDs[half])
                                           : FUSED_POSITIVE_INFINITY;
    // Full catalog: the warp's 16 columns are the items firstItem...firstItem + 15.
    int firstItem = j0 + 16 * warp + 1;
    float out[2 * STEPS][4] = {};
    float log2Threshold = threshold > 0.0f ? log2f(threshold) : RECUT_NEGATIVE_INFINITY;
    int tileCount = (int)((groupEnd - groupFirst + FUSED_TILE - 1) / FUSED_TILE);
    int firstTile = blockIdx.z * rowTilesPerSplit, endTile = min(firstTile + rowTilesPerSplit, tileCount);
    FusedCopyPlan plan = fused_copy_plan(dimension);
    unsigned sweepAddress = fused_shared_address(sweepTiles), bufferBytes = sizeof(sweepTiles[0]);
    // Two buffers: the copies of tile + 1 run while tile is scored.
    auto rowOf = [&](int tile, int i) {
        long long row = groupFirst + (long long)tile * FUSED_TILE + i;
        return row < groupEnd ? (int)row : -1;
    };
    // Row tile `tile` of the group into the buffer at `address` (the group's rows are consecutive).
    auto copyTile = [&](int tile, unsigned address) {
        long long first = groupFirst + (long long)tile * FUSED_TILE;
        fused_copy_consecutive<STEPS>(address, hidden, first, (int)min((long long)FUSED_TILE, groupEnd - first),
                                      dimension, plan);
    };
    if (firstTile < endTile) copyTile(firstTile, sweepAddress);
    fused_commit();
    for (int tile = firstTile; tile < endTile; tile++) {
        int buffer = (tile - firstTile) & 1;
        __syncthreads();
        if (tile + 1 < endTile) copyTile(tile + 1, sweepAddress + (buffer ^ 1) * bufferBytes);
        fused_commit();
        if (threadIdx.x < FUSED_TILE) {
            int index = rowOf(tile, threadIdx.x), target = index >= 0 ? targets[index] : 0;
            sweepTargets[threadIdx.x] = target;
            sweepLogSumExp2[threadIdx.x] = target != 0 ? FUSED_LOG2E * logSumExp[index] : FUSED_POSITIVE_INFINITY;
        }
        fused_wait_previous();
        __syncthreads();
        float w[8][4];
        fused_mma_logits<STEPS>(w, fragments, sweepTiles[buffer], dimension);
        float rowShifts[16];
        int rowTargets[16];
        bool holdsTarget = false;
#pragma unroll
        for (int k = 0; k < 16; k++) {
            int s = fused_sweep_entry(k);
            rowShifts[k] = sweepLogSumExp2[s];
            rowTargets[k] = sweepTargets[s];
            holdsTarget = holdsTarget || (unsigned)(rowTargets[k] - firstItem) < 16u;
        }
        if (!fused_warp_keeps(w, rowShifts, myShifts2, !ids && holdsTarget, log2Threshold)) continue;
        unsigned targetMask = 0u;
#pragma unroll
        for (int k = 0; k < 16; k++)
#pragma unroll
            for (int half = 0; half < 2; half++)
                if (myIDs[half] == rowTargets[k]) targetMask |= fused_target_bit(k, half);
        fused_bf16_weights(w, rowShifts, myShifts2, targetMask, ids != nullptr, threshold);
        fused_mma_weighted_sum<STEPS>(out, w, sweepTiles[buffer], dimension);
    }
    int t = lane & 3;
#pragma unroll
    for (int m = 0; m < 2 * STEPS; m++) {
        if (8 * m >= dimension) break;
#pragma unroll
        for (int half = 0; half < 2; half++) {
            if (myIDs[half] < 0) continue;
            float *destination = tableGradient + (long long)myIDs[half] * dimension + 8 * m + 2 * t;
#pragma unroll
            for (int e = 0; e < 2; e++)
                if (out[m][2 * half + e] != 0.0f) atomicAdd(destination + e, scale * out[m][2 * half + e]);
        }
    }
}

extern "C" __global__ void __launch_bounds__(FUSED_BF16_THREADS, 1) tiled_table_gradient_bf16(float *tableGradient,
                                             const float *logSumExp, const bf16 *hidden, const bf16 *table,
                                             const int *targets, const int *ids, const float *logQ, int logQMode,
                                             float logNegatives, int rows, int columns, int rowsPerGroup,
                                             int dimension, long long tableRows, float scale, float threshold,
                                             int rowTilesPerSplit) {
    tiled_table_gradient<FUSED_BF16_MAX_STEPS>(tableGradient, logSumExp, hidden, table, targets, ids, logQ, logQMode,
                                               logNegatives, rows, columns, rowsPerGroup, dimension, tableRows, scale,
                                               threshold, rowTilesPerSplit);
}
extern "C" __global__ void __launch_bounds__(FUSED_BF16_THREADS, 4) tiled_table_gradient_bf16_d64(float *tableGradient,
                                             const float *logSumExp, const bf16 *hidden, const bf16 *table,
                                             const int *targets, const int *ids, const float *logQ, int logQMode,
                                             float logNegatives, int rows, int columns, int rowsPerGroup,
                                             int dimension, long long tableRows, float scale, float threshold,
                                             int rowTilesPerSplit) {
    tiled_table_gradient<4>(tableGradient, logSumExp, hidden, table, targets, ids, logQ, logQMode, logNegatives, rows,
                            columns, rowsPerGroup, dimension, tableRows, scale, threshold, rowTilesPerSplit);
}
