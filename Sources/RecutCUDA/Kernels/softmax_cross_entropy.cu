// Full softmax cross-entropy per row, the logits overwritten by their scaled gradient.
// Parallel layout: one block per row; threads stride over the columns with an online
// maximum and sum (one read), then a second read writes the gradient in place.
#include "block_reduce.cuh"

// Merges the running (maximum, sum of exp(x - maximum)) pair (m, s) with (otherM, otherS).
__device__ __forceinline__ void merge_log_sum_exp(float &m, float &s, float otherM, float otherS) {
    if (otherM == RECUT_NEGATIVE_INFINITY) return;
    if (m == RECUT_NEGATIVE_INFINITY) { m = otherM; s = otherS; return; }
    if (otherM > m) { s = s * expf(m - otherM) + otherS; m = otherM; }
    else s += otherS * expf(otherM - m);
}

extern "C" __global__ void softmax_cross_entropy_f32(float *losses, float *logits, const int *targets, int rows,
                                                     long long columns, int firstColumn, float scale) {
    __shared__ float maxima[32], sums[32];
    __shared__ float targetLogit;
    int r = blockIdx.x;
    float *x = logits + (long long)r * columns;
    int target = targets[r];
    if (target < firstColumn || target >= columns) {
        for (long long c = threadIdx.x; c < columns; c += blockDim.x) x[c] = 0.0f;
        if (threadIdx.x == 0) losses[r] = target < firstColumn ? 0.0f : __int_as_float(0x7fc00000);
        return;
    }
    float m = RECUT_NEGATIVE_INFINITY, s = 0.0f;
    for (long long c = firstColumn + threadIdx.x; c < columns; c += blockDim.x) {
        float value = x[c];
        if (value > m) { s = s * expf(m - value) + 1.0f; m = value; }
        else s += expf(value - m);
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        float otherM = __shfl_xor_sync(0xffffffffu, m, offset), otherS = __shfl_xor_sync(0xffffffffu, s, offset);
        merge_log_sum_exp(m, s, otherM, otherS);
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    if (lane == 0) { maxima[warp] = m; sums[warp] = s; }
    if (threadIdx.x == 0) targetLogit = x[target];
    __syncthreads();
    m = RECUT_NEGATIVE_INFINITY; s = 0.0f;
    for (int w = 0; w < warps; w++) merge_log_sum_exp(m, s, maxima[w], sums[w]);
    float logSumExp = m + logf(s);
    if (threadIdx.x == 0) losses[r] = logSumExp - targetLogit;
    for (long long c = threadIdx.x; c < columns; c += blockDim.x) {
        float gradient = c < firstColumn ? 0.0f : scale * expf(x[c] - logSumExp);
        if (c == target) gradient -= scale;
        x[c] = gradient;
    }
}
