// Bias addition and its gradient.
#include "block_reduce.cuh"
#include "precision.cuh"

// Parallel layout: a grid-stride loop over the rows x columns elements.
template <typename T>
__device__ void add_bias(T *output, const float *bias, long long rows, int columns) {
    RECUT_FOR_EACH(element, rows * columns) {
        store_float(output, element, load_float(output, element) + bias[element % columns]);
    }
}

extern "C" __global__ void add_bias_f32(float *output, const float *bias, long long rows, int columns) {
    add_bias(output, bias, rows, columns);
}

// Mixed precision: output bfloat16, bias float32.
extern "C" __global__ void add_bias_bf16(bf16 *output, const float *bias, long long rows, int columns) {
    add_bias(output, bias, rows, columns);
}

// biasGradient += column sums. Parallel layout: blocks of 32 x 8 threads; block (x, y) owns
// 32 columns of the y-th chunk of `rowsPerBlock` rows, its 8 thread rows stride over the chunk,
// the partials are added in shared memory and the block's sum atomically into the gradient
// (so the order of additions varies between runs).
template <typename G>
__device__ void bias_backward(float *biasGradient, const G *outputGradient, int rows, int columns, int rowsPerBlock) {
    __shared__ float partials[8][33];
    int column = blockIdx.x * 32 + threadIdx.x;
    int firstRow = blockIdx.y * rowsPerBlock, endRow = min(rows, firstRow + rowsPerBlock);
    float sum = 0;
    if (column < columns) {
        for (int row = firstRow + threadIdx.y; row < endRow; row += blockDim.y) {
            sum += load_float(outputGradient, (long long)row * columns + column);
        }
    }
    partials[threadIdx.y][threadIdx.x] = sum;
    __syncthreads();
    if (threadIdx.y == 0 && column < columns) {
        for (int part = 1; part < 8; part++) sum += partials[part][threadIdx.x];
        atomicAdd(biasGradient + column, sum);
    }
}

extern "C" __global__ void bias_backward_f32(float *biasGradient, const float *outputGradient, int rows, int columns,
                                             int rowsPerBlock) {
    bias_backward(biasGradient, outputGradient, rows, columns, rowsPerBlock);
}

// Mixed precision: biasGradient float32, outputGradient bfloat16.
extern "C" __global__ void bias_backward_bf16(float *biasGradient, const bf16 *outputGradient, int rows, int columns,
                                              int rowsPerBlock) {
    bias_backward(biasGradient, outputGradient, rows, columns, rowsPerBlock);
}
