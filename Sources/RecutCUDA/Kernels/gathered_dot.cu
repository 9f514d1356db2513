// Scores of gathered item rows against each position's hidden state, and their gradients.
// logits[n, k] = hidden[n, :] . table[ids[n, k], :]. Ids outside the table give NaN
// scores and add nothing to the gradients. Operands are float or bf16 (precision.cuh);
// every sum is in float, and the table gradient is float in every variant.
#include "block_reduce.cuh"
#include "precision.cuh"

// Parallel layout: one warp per row n; groups of 8 lanes take one id each (4 ids per
// step), each lane striding over the columns by 8, then the group adds its 8 partials.
template <typename Operand, typename Logit>
__device__ __forceinline__ void gathered_dot_forward(Logit *logits, const Operand *hidden, const Operand *table,
                                                     const int *ids, int rows, int idsPerRow, int dimension,
                                                     long long tableRows) {
    int n = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (n >= rows) return;
    int lane = threadIdx.x & 31, group = lane >> 3, member = lane & 7;
    const Operand *h = hidden + (long long)n * dimension;
    for (int k0 = 0; k0 < idsPerRow; k0 += 4) {
        int k = k0 + group;
        int id = k < idsPerRow ? ids[(long long)n * idsPerRow + k] : 0;
        bool valid = id >= 0 && id < tableRows;
        float dot = 0.0f;
        if (k < idsPerRow && valid) {
            const Operand *e = table + (long long)id * dimension;
            for (int c = member; c < dimension; c += 8) dot += load_float(h, c) * load_float(e, c);
        }
        dot += __shfl_xor_sync(0xffffffffu, dot, 4);
        dot += __shfl_xor_sync(0xffffffffu, dot, 2);
        dot += __shfl_xor_sync(0xffffffffu, dot, 1);
        if (k < idsPerRow && member == 0)
            store_float(logits, (long long)n * idsPerRow + k, valid ? dot : __int_as_float(0x7fc00000));
    }
}

extern "C" __global__ void gathered_dot_forward_f32(float *logits, const float *hidden, const float *table,
                                                    const int *ids, int rows, int idsPerRow, int dimension,
                                                    long long tableRows) {
    gathered_dot_forward(logits, hidden, table, ids, rows, idsPerRow, dimension, tableRows);
}

// Mixed precision: hidden, table and logits bf16.
extern "C" __global__ void gathered_dot_forward_bf16(bf16 *logits, const bf16 *hidden, const bf16 *table,
                                                     const int *ids, int rows, int idsPerRow, int dimension,
                                                     long long tableRows) {
    gathered_dot_forward(logits, hidden, table, ids, rows, idsPerRow, dimension, tableRows);
}

// Mixed precision: hidden and table bf16, logits float (the fused losses' positive logits).
extern "C" __global__ void gathered_dot_forward_bf16_f32_logits(float *logits, const bf16 *hidden,
                                                                const bf16 *table, const int *ids, int rows,
                                                                int idsPerRow, int dimension, long long tableRows) {
    gathered_dot_forward(logits, hidden, table, ids, rows, idsPerRow, dimension, tableRows);
}

// hiddenGradient[n, :] += sum_k g[n, k] table[ids[n, k], :]; tableGradient[ids[n, k], :] +=
// g[n, k] hidden[n, :] with float atomics (the order of additions varies between runs).
// Parallel layout: one warp per row n; lanes own columns (strided by 32) and walk the ids,
// skipping zero gradients (excluded and padding slots).
template <typename Operand, typename Logit>
__device__ __forceinline__ void gathered_dot_backward(Operand *hiddenGradient, float *tableGradient,
                                                      const Logit *logitGradient, const Operand *hidden,
                                                      const Operand *table, const int *ids, int rows, int idsPerRow,
                                                      int dimension, long long tableRows) {
    int n = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (n >= rows) return;
    int lane = threadIdx.x & 31;
    const Logit *g = logitGradient + (long long)n * idsPerRow;
    const int *rowIDs = ids + (long long)n * idsPerRow;
    const Operand *h = hidden + (long long)n * dimension;
    Operand *dh = hiddenGradient + (long long)n * dimension;
    for (int c0 = 0; c0 < dimension; c0 += 32) {
        int c = c0 + lane;
        bool active = c < dimension;
        float hc = active ? load_float(h, c) : 0.0f, accumulator = 0.0f;
        for (int k = 0; k < idsPerRow; k++) {
            float gradient = load_float(g, k);
            int id = rowIDs[k];
            if (gradient == 0.0f || id < 0 || id >= tableRows || !active) continue;
            long long index = (long long)id * dimension + c;
            accumulator += gradient * load_float(table, index);
            atomicAdd(tableGradient + index, gradient * hc);
        }
        if (active) store_float(dh, c, load_float(dh, c) + accumulator);
    }
}

extern "C" __global__ void gathered_dot_backward_f32(float *hiddenGradient, float *tableGradient,
                                                     const float *logitGradient, const float *hidden,
                                                     const float *table, const int *ids, int rows, int idsPerRow,
                                                     int dimension, long long tableRows) {
    gathered_dot_backward(hiddenGradient, tableGradient, logitGradient, hidden, table, ids, rows, idsPerRow,
                          dimension, tableRows);
}

// Mixed precision: hiddenGradient, logitGradient, hidden and table bf16; tableGradient float.
extern "C" __global__ void gathered_dot_backward_bf16(bf16 *hiddenGradient, float *tableGradient,
                                                      const bf16 *logitGradient, const bf16 *hidden,
                                                      const bf16 *table, const int *ids, int rows, int idsPerRow,
                                                      int dimension, long long tableRows) {
    gathered_dot_backward(hiddenGradient, tableGradient, logitGradient, hidden, table, ids, rows, idsPerRow,
                          dimension, tableRows);
}

// Mixed precision: hiddenGradient, hidden and table bf16; logitGradient and tableGradient float.
extern "C" __global__ void gathered_dot_backward_bf16_f32_logits(bf16 *hiddenGradient, float *tableGradient,
                                                                 const float *logitGradient, const bf16 *hidden,
                                                                 const bf16 *table, const int *ids, int rows,
                                                                 int idsPerRow, int dimension, long long tableRows) {
    gathered_dot_backward(hiddenGradient, tableGradient, logitGradient, hidden, table, ids, rows, idsPerRow,
                          dimension, tableRows);
}
