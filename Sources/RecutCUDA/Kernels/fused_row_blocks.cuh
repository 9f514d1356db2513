// The side shared by the bfloat16 passes whose blocks own 64 rows (the forward partials and
// dH of tiled_log_sum_exp_*.cu): the block's rows as A fragments, and the group's column tiles
// swept through two shared buffers, the copies of tile + 1 running while tile is scored.
#pragma once
#include "fused_tiles_bf16.cuh"

// Block (x, y) of 4 warps owns row tile x of group y: fixedRows[i] = its rows (-1 past the
// group), and warp w's rows 16w + g and 16w + g + 8 (g = lane / 4) as A fragments over d,
// with their targets (0 for rows past the group).
template <int STEPS>
__device__ __forceinline__ void fused_own_rows(int *fixedRows, unsigned fragments[STEPS][4], int myRows[2],
                                               int myTargets[2], const bf16 *hidden, const int *targets, int rows,
                                               int rowsPerGroup, int dimension) {
    long long groupFirst = (long long)blockIdx.y * rowsPerGroup;
    long long groupEnd = min(groupFirst + rowsPerGroup, (long long)rows);
    long long rowStart = groupFirst + (long long)blockIdx.x * FUSED_TILE;
    if (threadIdx.x < FUSED_TILE) {
        long long row = rowStart + threadIdx.x;
        fixedRows[threadIdx.x] = row < groupEnd ? (int)row : -1;
    }
    __syncthreads();
    fused_fixed_fragments<STEPS>(fragments, hidden, fixedRows, dimension);
    int warp = threadIdx.x >> 5, g = (threadIdx.x & 31) >> 2;
#pragma unroll
    for (int half = 0; half < 2; half++) {
        myRows[half] = fixedRows[16 * warp + g + 8 * half];
        myTargets[half] = myRows[half] >= 0 ? targets[myRows[half]] : 0;
    }
}

// The column tiles first...end - 1 of a group through the shared buffers `tiles`; per tile,
// `ids` holds each column's table row (-1 when it does not count) and `shifts` its base-2
// log-q shift (+inf when it does not count).
template <int STEPS>
struct FusedColumnSweep {
    typename FusedSweepTile<STEPS>::Row (*tiles)[FUSED_TILE];
    int *ids;
    float *shifts;
    FusedColumns columns;
    const bf16 *table;
    int dimension, end;
    FusedCopyPlan plan;
    unsigned address;

    // Queues the copies of column tile `tile` into buffer `buffer`: the full catalog's columns
    // are the consecutive table rows 1 + j.
    __device__ __forceinline__ void copy(int tile, int buffer) {
        int j0 = tile * FUSED_TILE;
        unsigned to = address + buffer * sizeof(tiles[0]);
        if (columns.ids)
            fused_copy_sweep<STEPS>(to, table, [&](int i) { return fused_column_id(columns, j0 + i); }, dimension,
                                    plan);
        else
            fused_copy_consecutive<STEPS>(to, table, 1 + j0, min(FUSED_TILE, columns.count - j0), dimension, plan);
    }

    // Queues the first tile (into buffer 0).
    __device__ __forceinline__ void start(int first) {
        if (first < end) copy(first, 0);
        fused_commit();
    }

    // Waits until tile `tile` is in `buffer` with its ids and shifts, queues tile + 1 into the
    // other buffer, and returns the tile.
    __device__ __forceinline__ const typename FusedSweepTile<STEPS>::Row *arrive(int tile, int buffer) {
        __syncthreads();
        if (tile + 1 < end) copy(tile + 1, buffer ^ 1);
        fused_commit();
        if (threadIdx.x < FUSED_TILE) {
            int j = tile * FUSED_TILE + threadIdx.x, id = fused_column_id(columns, j);
            ids[threadIdx.x] = id;
            shifts[threadIdx.x] = id >= 0 ? FUSED_LOG2E * fused_column_shift(columns, j, id) : FUSED_POSITIVE_INFINITY;
        }
        fused_wait_previous();
        __syncthreads();
        return tiles[buffer];
    }

    // The shifts of this thread's 16 columns of the tile (fused_sweep_entry).
    __device__ __forceinline__ void threadShifts(float out[16]) const {
#pragma unroll
        for (int k = 0; k < 16; k++) out[k] = shifts[fused_sweep_entry(k)];
    }
};

// The sweep of group blockIdx.y's columns, tiles first...end - 1.
template <int STEPS>
__device__ __forceinline__ FusedColumnSweep<STEPS> fused_column_sweep(
    typename FusedSweepTile<STEPS>::Row (*tiles)[FUSED_TILE], int *ids, float *shifts, const bf16 *table,
    const int *idRows, const float *logQ, int logQMode, float logNegatives, int columns, long long tableRows,
    int dimension, int first, int end) {
    FusedColumns group = {idRows, (long long)blockIdx.y * columns, columns, tableRows, logQ, logQMode, logNegatives};
    return {tiles, ids, shifts, group, table, dimension, end, fused_copy_plan(dimension), fused_shared_address(tiles)};
}
