// Scores of gathered item rows against each position's hidden state, and their gradients.
// logits[n, k] = hidden[n, :] . table[ids[n, k], :]. Ids outside the table give NaN
// scores and add nothing to the gradients.
#include "block_reduce.cuh"

// Parallel layout: one warp per row n; groups of 8 lanes take one id each (4 ids per
// step), each lane striding over the columns by 8, then the group adds its 8 partials.
extern "C" __global__ void gathered_dot_forward_f32(float *logits, const float *hidden, const float *table,
                                                    const int *ids, int rows, int idsPerRow, int dimension,
                                                    long long tableRows) {
    int n = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (n >= rows) return;
    int lane = threadIdx.x & 31, group = lane >> 3, member = lane & 7;
    const float *h = hidden + (long long)n * dimension;
    for (int k0 = 0; k0 < idsPerRow; k0 += 4) {
        int k = k0 + group;
        int id = k < idsPerRow ? ids[(long long)n * idsPerRow + k] : 0;
        bool valid = id >= 0 && id < tableRows;
        float dot = 0.0f;
        if (k < idsPerRow && valid) {
            const float *e = table + (long long)id * dimension;
            for (int c = member; c < dimension; c += 8) dot += h[c] * e[c];
        }
        dot += __shfl_xor_sync(0xffffffffu, dot, 4);
        dot += __shfl_xor_sync(0xffffffffu, dot, 2);
        dot += __shfl_xor_sync(0xffffffffu, dot, 1);
        if (k < idsPerRow && member == 0) logits[(long long)n * idsPerRow + k] = valid ? dot : __int_as_float(0x7fc00000);
    }
}

// hiddenGradient[n, :] += sum_k g[n, k] table[ids[n, k], :]; tableGradient[ids[n, k], :] +=
// g[n, k] hidden[n, :] with float atomics (the order of additions varies between runs).
// Parallel layout: one warp per row n; lanes own columns (strided by 32) and walk the ids,
// skipping zero gradients (excluded and padding slots).
extern "C" __global__ void gathered_dot_backward_f32(float *hiddenGradient, float *tableGradient,
                                                     const float *logitGradient, const float *hidden,
                                                     const float *table, const int *ids, int rows, int idsPerRow,
                                                     int dimension, long long tableRows) {
    int n = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (n >= rows) return;
    int lane = threadIdx.x & 31;
    const float *g = logitGradient + (long long)n * idsPerRow;
    const int *rowIDs = ids + (long long)n * idsPerRow;
    const float *h = hidden + (long long)n * dimension;
    float *dh = hiddenGradient + (long long)n * dimension;
    for (int c0 = 0; c0 < dimension; c0 += 32) {
        int c = c0 + lane;
        bool active = c < dimension;
        float hc = active ? h[c] : 0.0f, accumulator = 0.0f;
        for (int k = 0; k < idsPerRow; k++) {
            float gradient = g[k];
            int id = rowIDs[k];
            if (gradient == 0.0f || id < 0 || id >= tableRows || !active) continue;
            long long index = (long long)id * dimension + c;
            accumulator += gradient * table[index];
            atomicAdd(tableGradient + index, gradient * hc);
        }
        if (active) dh[c] += accumulator;
    }
}
