// Row softmax and row log-sum-exp. Parallel layout: one block per row; threads stride over columns.
#include "block_reduce.cuh"

extern "C" __global__ void softmax_rows_f32(float *output, const float *input, int rows, int columns) {
    __shared__ float scratch[32];
    const float *x = input + (long long)blockIdx.x * columns;
    float *y = output + (long long)blockIdx.x * columns;
    float maximum = RECUT_NEGATIVE_INFINITY;
    for (int c = threadIdx.x; c < columns; c += blockDim.x) maximum = fmaxf(maximum, x[c]);
    maximum = block_max(maximum, scratch);
    float sum = 0;
    for (int c = threadIdx.x; c < columns; c += blockDim.x) sum += expf(x[c] - maximum);
    float inverse = 1.0f / block_sum(sum, scratch);
    for (int c = threadIdx.x; c < columns; c += blockDim.x) y[c] = expf(x[c] - maximum) * inverse;
}

extern "C" __global__ void log_sum_exp_rows_f32(float *output, const float *input, int rows, int columns) {
    __shared__ float scratch[32];
    const float *x = input + (long long)blockIdx.x * columns;
    float maximum = RECUT_NEGATIVE_INFINITY;
    for (int c = threadIdx.x; c < columns; c += blockDim.x) maximum = fmaxf(maximum, x[c]);
    maximum = block_max(maximum, scratch);
    float sum = 0;
    for (int c = threadIdx.x; c < columns; c += blockDim.x) sum += expf(x[c] - maximum);
    sum = block_sum(sum, scratch);
    if (threadIdx.x == 0) output[blockIdx.x] = maximum + logf(sum);
}
