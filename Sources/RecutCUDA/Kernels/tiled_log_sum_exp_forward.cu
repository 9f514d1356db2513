// Forward pass of the fused losses whose columns are shared by many rows (`cce` over the
// whole catalog, `cce-` with per-batch or per-sequence negatives): an online log-sum-exp
// over tiles of logits that never leave the registers. Rows are split into groups of
// rowsPerGroup that share one row of columns (group g reads ids row g); a column whose id
// is 0 or, for negatives, equals the row's target is excluded.
#include "fused_tiles.cuh"
#include "fused_row_blocks.cuh"
#include "fused_tiles_bf16.cuh"

// Parallel layout: block (x, y, z) owns row tile x of group y and the column tiles of split
// z; it writes each row's running (maximum, sum) over those columns to the partials
// [splits, rows]. The 16 threads sharing a row (one half-warp) combine their 4 columns
// with shuffles.
extern "C" __global__ void tiled_log_sum_exp_partials_f32(float *partialMaxima, float *partialSums,
                                                          const float *hidden, const float *table,
                                                          const int *targets, const int *ids, const float *logQ,
                                                          int logQMode, float logNegatives, int rows, int columns,
                                                          int rowsPerGroup, int dimension, long long tableRows,
                                                          int columnTilesPerSplit) {
    __shared__ __align__(16) float fixedTile[FUSED_CHUNK][FUSED_STRIDE];
    __shared__ __align__(16) float sweepTile[FUSED_CHUNK][FUSED_STRIDE];
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
    int myRows[4], myTargets[4];
    float maxima[4], sums[4];
#pragma unroll
    for (int i = 0; i < 4; i++) {
        myRows[i] = fixedRows[4 * ty + i];
        myTargets[i] = myRows[i] >= 0 ? targets[myRows[i]] : 0;
        maxima[i] = RECUT_NEGATIVE_INFINITY;
        sums[i] = 0.0f;
    }
    int tileCount = (columns + FUSED_TILE - 1) / FUSED_TILE;
    int firstTile = blockIdx.z * columnTilesPerSplit, endTile = min(firstTile + columnTilesPerSplit, tileCount);
    for (int tile = firstTile; tile < endTile; tile++) {
        int j0 = tile * FUSED_TILE;
        __syncthreads();
        if (threadIdx.x < FUSED_TILE) sweepRows[threadIdx.x] = fused_column_id(cols, j0 + threadIdx.x);
        float logits[4][4];
        fused_logit_tile(logits, fixedTile, sweepTile, hidden, fixedRows, table, sweepRows, dimension);
        float shifts[4];
        int myIDs[4];
#pragma unroll
        for (int j = 0; j < 4; j++) {
            myIDs[j] = sweepRows[4 * tx + j];
            shifts[j] = myIDs[j] >= 0 ? fused_column_shift(cols, j0 + 4 * tx + j, myIDs[j]) : 0.0f;
        }
#pragma unroll
        for (int i = 0; i < 4; i++) {
            float z[4], tileMaximum = RECUT_NEGATIVE_INFINITY;
#pragma unroll
            for (int j = 0; j < 4; j++) {
                bool counts = myIDs[j] >= 0 && !(ids && myIDs[j] == myTargets[i]);
                z[j] = counts ? logits[i][j] - shifts[j] : RECUT_NEGATIVE_INFINITY;
                tileMaximum = fmaxf(tileMaximum, z[j]);
            }
            for (int offset = 8; offset > 0; offset >>= 1)
                tileMaximum = fmaxf(tileMaximum, __shfl_xor_sync(0xffffffffu, tileMaximum, offset));
            // Every lane takes part in the shuffles; a row with no column yet keeps (-inf, 0).
            float top = fmaxf(maxima[i], tileMaximum);
            bool empty = top == RECUT_NEGATIVE_INFINITY;
            float partial = 0.0f;
#pragma unroll
            for (int j = 0; j < 4; j++) partial += empty ? 0.0f : expf(z[j] - top);
            for (int offset = 8; offset > 0; offset >>= 1) partial += __shfl_xor_sync(0xffffffffu, partial, offset);
            if (!empty) {
                sums[i] = sums[i] * expf(maxima[i] - top) + partial;
                maxima[i] = top;
            }
        }
    }
    if (tx == 0) {
#pragma unroll
        for (int i = 0; i < 4; i++) {
            if (myRows[i] < 0) continue;
            long long index = (long long)blockIdx.z * rows + myRows[i];
            partialMaxima[index] = maxima[i];
            partialSums[index] = sums[i];
        }
    }
}

// Folds one row's base-2 exponents z[0..16) of a tile into its running base-2 (maximum, sum).
__device__ __forceinline__ void fused_online_add(float &maximum, float &sum, const float z[16]) {
    float top = maximum;
#pragma unroll
    for (int k = 0; k < 16; k++) top = fmaxf(top, z[k]);
    if (top == RECUT_NEGATIVE_INFINITY) return;
    float partial = 0.0f;
#pragma unroll
    for (int k = 0; k < 16; k++) partial += fused_exp2(z[k] - top);
    sum = sum * fused_exp2(maximum - top) + partial;
    maximum = top;
}

// The bfloat16 twin of tiled_log_sum_exp_partials_f32 (hidden and table bfloat16, partials
// float32) on tensor cores for d <= 16 STEPS, same grid: block (x, y, z) of 4 warps owns row
// tile x of group y and the column tiles of split z; warp w holds rows 16w..16w+15 as A
// fragments. Each thread keeps a running (maximum, sum) over its own 16 columns of a tile for
// its rows g and g + 8; the 4 threads of a row combine theirs at the end.
template <int STEPS>
__device__ __forceinline__ void tiled_partials_bf16(float *partialMaxima, float *partialSums, const bf16 *hidden,
                                                    const bf16 *table, const int *targets, const int *ids,
                                                    const float *logQ, int logQMode, float logNegatives, int rows,
                                                    int columns, int rowsPerGroup, int dimension,
                                                    long long tableRows, int columnTilesPerSplit) {
    __shared__ __align__(16) typename FusedSweepTile<STEPS>::Row sweepTiles[2][FUSED_TILE];
    __shared__ int fixedRows[FUSED_TILE], sweepRows[FUSED_TILE];
    __shared__ float sweepShifts[FUSED_TILE];
    unsigned fragments[STEPS][4];
    int myRows[2], myTargets[2];
    fused_own_rows<STEPS>(fixedRows, fragments, myRows, myTargets, hidden, targets, rows, rowsPerGroup, dimension);
    float maxima[2] = {RECUT_NEGATIVE_INFINITY, RECUT_NEGATIVE_INFINITY}, sums[2] = {0.0f, 0.0f};
    int tileCount = (columns + FUSED_TILE - 1) / FUSED_TILE;
    int firstTile = blockIdx.z * columnTilesPerSplit, endTile = min(firstTile + columnTilesPerSplit, tileCount);
    FusedColumnSweep<STEPS> sweep =
        fused_column_sweep<STEPS>(sweepTiles, sweepRows, sweepShifts, table, ids, logQ, logQMode, logNegatives,
                                  columns, tableRows, dimension, firstTile, endTile);
    sweep.start(firstTile);
    for (int tile = firstTile; tile < endTile; tile++) {
        float logits[8][4], shifts[16];
        fused_mma_logits<STEPS>(logits, fragments, sweep.arrive(tile, (tile - firstTile) & 1), dimension);
        sweep.threadShifts(shifts);
#pragma unroll
        for (int half = 0; half < 2; half++) {
            float z[16];
#pragma unroll
            for (int k = 0; k < 16; k++) z[k] = FUSED_LOG2E * logits[k >> 1][2 * half + (k & 1)] - shifts[k];
            if (ids) {
#pragma unroll
                for (int k = 0; k < 16; k++)
                    if (sweepRows[fused_sweep_entry(k)] == myTargets[half]) z[k] = RECUT_NEGATIVE_INFINITY;
            }
            fused_online_add(maxima[half], sums[half], z);
        }
    }
    int t = threadIdx.x & 3;
#pragma unroll
    for (int half = 0; half < 2; half++) {
        maxima[half] *= FUSED_LN2;
        for (int offset = 1; offset < 4; offset <<= 1) {
            float otherMaximum = __shfl_xor_sync(0xffffffffu, maxima[half], offset);
            float otherSum = __shfl_xor_sync(0xffffffffu, sums[half], offset);
            fused_combine(maxima[half], sums[half], otherMaximum, otherSum);
        }
        if (t == 0 && myRows[half] >= 0) {
            long long index = (long long)blockIdx.z * rows + myRows[half];
            partialMaxima[index] = maxima[half];
            partialSums[index] = sums[half];
        }
    }
}

extern "C" __global__ void tiled_log_sum_exp_partials_bf16(float *partialMaxima, float *partialSums,
                                                           const bf16 *hidden, const bf16 *table, const int *targets,
                                                           const int *ids, const float *logQ, int logQMode,
                                                           float logNegatives, int rows, int columns, int rowsPerGroup,
                                                           int dimension, long long tableRows,
                                                           int columnTilesPerSplit) {
    tiled_partials_bf16<FUSED_BF16_MAX_STEPS>(partialMaxima, partialSums, hidden, table, targets, ids, logQ, logQMode,
                                              logNegatives, rows, columns, rowsPerGroup, dimension, tableRows,
                                              columnTilesPerSplit);
}
extern "C" __global__ void tiled_log_sum_exp_partials_bf16_d64(float *partialMaxima, float *partialSums,
                                                               const bf16 *hidden, const bf16 *table,
                                                               const int *targets, const int *ids, const float *logQ,
                                                               int logQMode, float logNegatives, int rows, int columns,
                                                               int rowsPerGroup, int dimension, long long tableRows,
                                                               int columnTilesPerSplit) {
    tiled_partials_bf16<4>(partialMaxima, partialSums, hidden, table, targets, ids, logQ, logQMode, logNegatives, rows,
                           columns, rowsPerGroup, dimension, tableRows, columnTilesPerSplit);
}

// logSumExp[r] = the log-sum-exp of the row's partials (and of its positive logit when
// includePositive); losses[r] = logSumExp[r] - positive[r]; both 0 on padding rows.
// Parallel layout: one thread per row (grid-stride).
extern "C" __global__ void log_sum_exp_combine_f32(float *logSumExp, float *losses, const float *positive,
                                                   const float *partialMaxima, const float *partialSums,
                                                   const int *targets, int rows, int splits, int includePositive) {
    RECUT_FOR_EACH(r, rows) {
        if (targets[r] == 0) {
            logSumExp[r] = 0.0f;
            losses[r] = 0.0f;
            continue;
        }
        float p = positive[r];
        float maximum = includePositive ? p : RECUT_NEGATIVE_INFINITY, sum = includePositive ? 1.0f : 0.0f;
        for (int split = 0; split < splits; split++)
            fused_combine(maximum, sum, partialMaxima[(long long)split * rows + r],
                          partialSums[(long long)split * rows + r]);
        float value = maximum + logf(sum);
        logSumExp[r] = value;
        losses[r] = value - p;
    }
}
