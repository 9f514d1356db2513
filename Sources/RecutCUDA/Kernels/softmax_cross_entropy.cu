// Full softmax cross-entropy per row, the logits overwritten by their scaled gradient.
// Parallel layout: one block of 1024 threads per row, one block per multiprocessor. The
// first pass reads the row once with 16-byte loads (four in flight per thread), keeps an
// online maximum and sum, and copies the first `cacheVectors` float4s into shared memory;
// the second pass takes those from shared memory and re-reads only the rest (which the
// multiprocessors' rows in flight keep within L2), then writes the gradient in place.
// Rows start at any element: a scalar head up to the alignment of 4 elements, a body of
// 4-element vectors (16-byte float4s, 8-byte groups of 4 bf16), a scalar tail. Logits are
// float or bf16 (precision.cuh); the shared-memory cache and all sums are float, losses float.
#include "block_reduce.cuh"
#include "precision.cuh"

#define SOFTMAX_UNROLL 4

// Merges the running (maximum, sum of exp(x - maximum)) pair (m, s) with (otherM, otherS).
__device__ __forceinline__ void merge_log_sum_exp(float &m, float &s, float otherM, float otherS) {
    if (otherM == RECUT_NEGATIVE_INFINITY) return;
    if (m == RECUT_NEGATIVE_INFINITY) { m = otherM; s = otherS; return; }
    if (otherM > m) { s = s * expf(m - otherM) + otherS; m = otherM; }
    else s += otherS * expf(otherM - m);
}

// Adds one logit of column c to (m, s); columns before firstColumn do not take part.
__device__ __forceinline__ void add_logit(float &m, float &s, float value, long long c, int firstColumn) {
    if (c < firstColumn) return;
    if (value > m) { s = s * expf(m - value) + 1.0f; m = value; }
    else s += expf(value - m);
}

// Adds four consecutive logits starting at column c with one rescale of the running sum.
__device__ __forceinline__ void add_logits4(float &m, float &s, float4 v, long long c, int firstColumn) {
    if (c < firstColumn) {
        if (c + 0 < firstColumn) v.x = RECUT_NEGATIVE_INFINITY;
        if (c + 1 < firstColumn) v.y = RECUT_NEGATIVE_INFINITY;
        if (c + 2 < firstColumn) v.z = RECUT_NEGATIVE_INFINITY;
        if (c + 3 < firstColumn) v.w = RECUT_NEGATIVE_INFINITY;
    }
    float groupMaximum = fmaxf(fmaxf(v.x, v.y), fmaxf(v.z, v.w));
    if (groupMaximum == RECUT_NEGATIVE_INFINITY) return;
    if (groupMaximum > m) { s *= expf(m - groupMaximum); m = groupMaximum; }
    s += expf(v.x - m) + expf(v.y - m) + expf(v.z - m) + expf(v.w - m);
}

// The scaled gradient of one logit: scale * (softmax - one-hot), 0 before firstColumn.
__device__ __forceinline__ float logit_gradient(float value, long long c, int firstColumn, int target,
                                                float logSumExp, float scale) {
    float gradient = c < firstColumn ? 0.0f : scale * expf(value - logSumExp);
    return c == target ? gradient - scale : gradient;
}

template <typename Logit>
__device__ __forceinline__ void softmax_cross_entropy(float *losses, Logit *logits, const int *targets, int rows,
                                                      long long columns, int firstColumn, float scale,
                                                      int cacheVectors) {
    extern __shared__ float4 cache[];
    __shared__ float maxima[32], sums[32];
    int r = blockIdx.x;
    Logit *x = logits + (long long)r * columns;
    long long head = (long long)((4 - (((unsigned long long)x / sizeof(Logit)) & 3)) & 3);
    if (head > columns) head = columns;
    long long bodyVectors = (columns - head) >> 2, tailStart = head + 4 * bodyVectors;
    Logit *body = x + head;
    long long stride = blockDim.x;
    int target = targets[r];
    if (target < firstColumn || target >= columns) {
        for (long long c = threadIdx.x; c < head; c += stride) store_float(x, c, 0.0f);
        for (long long c = tailStart + threadIdx.x; c < columns; c += stride) store_float(x, c, 0.0f);
        for (long long q = threadIdx.x; q < bodyVectors; q += stride)
            store_float4(body + 4 * q, make_float4(0.0f, 0.0f, 0.0f, 0.0f));
        if (threadIdx.x == 0) losses[r] = target < firstColumn ? 0.0f : __int_as_float(0x7fc00000);
        return;
    }
    float m = RECUT_NEGATIVE_INFINITY, s = 0.0f;
    for (long long c = threadIdx.x; c < head; c += stride) add_logit(m, s, load_float(x, c), c, firstColumn);
    for (long long c = tailStart + threadIdx.x; c < columns; c += stride)
        add_logit(m, s, load_float(x, c), c, firstColumn);
    for (long long base = threadIdx.x; base < bodyVectors; base += SOFTMAX_UNROLL * stride) {
        float4 v[SOFTMAX_UNROLL];
#pragma unroll
        for (int u = 0; u < SOFTMAX_UNROLL; u++) {
            long long q = base + u * stride;
            if (q < bodyVectors) v[u] = load_float4(body + 4 * q);
        }
#pragma unroll
        for (int u = 0; u < SOFTMAX_UNROLL; u++) {
            long long q = base + u * stride;
            if (q < bodyVectors) {
                if (q < cacheVectors) cache[q] = v[u];
                add_logits4(m, s, v[u], head + 4 * q, firstColumn);
            }
        }
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        float otherM = __shfl_xor_sync(0xffffffffu, m, offset), otherS = __shfl_xor_sync(0xffffffffu, s, offset);
        merge_log_sum_exp(m, s, otherM, otherS);
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    if (lane == 0) { maxima[warp] = m; sums[warp] = s; }
    // Read before the barrier: after it, another thread may overwrite the target's logit.
    float targetLogit = threadIdx.x == 0 ? load_float(x, target) : 0.0f;
    __syncthreads();
    m = RECUT_NEGATIVE_INFINITY; s = 0.0f;
    for (int w = 0; w < warps; w++) merge_log_sum_exp(m, s, maxima[w], sums[w]);
    float logSumExp = m + logf(s);
    if (threadIdx.x == 0) losses[r] = logSumExp - targetLogit;
    for (long long c = threadIdx.x; c < head; c += stride)
        store_float(x, c, logit_gradient(load_float(x, c), c, firstColumn, target, logSumExp, scale));
    for (long long c = tailStart + threadIdx.x; c < columns; c += stride)
        store_float(x, c, logit_gradient(load_float(x, c), c, firstColumn, target, logSumExp, scale));
    for (long long base = threadIdx.x; base < bodyVectors; base += SOFTMAX_UNROLL * stride) {
        float4 v[SOFTMAX_UNROLL];
#pragma unroll
        for (int u = 0; u < SOFTMAX_UNROLL; u++) {
            long long q = base + u * stride;
            if (q < bodyVectors) v[u] = q < cacheVectors ? cache[q] : load_float4(body + 4 * q);
        }
#pragma unroll
        for (int u = 0; u < SOFTMAX_UNROLL; u++) {
            long long q = base + u * stride;
            if (q < bodyVectors) {
                long long c = head + 4 * q;
                float4 g;
                g.x = logit_gradient(v[u].x, c + 0, firstColumn, target, logSumExp, scale);
                g.y = logit_gradient(v[u].y, c + 1, firstColumn, target, logSumExp, scale);
                g.z = logit_gradient(v[u].z, c + 2, firstColumn, target, logSumExp, scale);
                g.w = logit_gradient(v[u].w, c + 3, firstColumn, target, logSumExp, scale);
                store_float4(body + 4 * q, g);
            }
        }
    }
}

// Launched with 1024 threads, so at most 64 registers per thread: the bounds make ptxas keep to them.
extern "C" __global__ void __launch_bounds__(1024) softmax_cross_entropy_f32(float *losses, float *logits, const int *targets, int rows,
                                                     long long columns, int firstColumn, float scale,
                                                     int cacheVectors) {
    softmax_cross_entropy(losses, logits, targets, rows, columns, firstColumn, scale, cacheVectors);
}

// Mixed precision: logits (and their gradient, written in place) bf16; losses float.
extern "C" __global__ void __launch_bounds__(1024) softmax_cross_entropy_bf16(float *losses, bf16 *logits, const int *targets, int rows,
                                                      long long columns, int firstColumn, float scale,
                                                      int cacheVectors) {
    softmax_cross_entropy(losses, logits, targets, rows, columns, firstColumn, scale, cacheVectors);
}
