// Layer norm forward and backward (biased variance, rstd = 1 / sqrt(variance + epsilon)).
// The _bf16 variants take the normalised output (forward) and its gradient (backward) in
// bfloat16; input, statistics, parameters and their gradients stay float32 (mixed precision).
#include "block_reduce.cuh"
#include "precision.cuh"

// Parallel layout: one block per row; threads stride over the row's columns.
template <typename Out>
__device__ void layer_norm_forward(Out *output, float *mean, float *rstd, const float *input, const float *weight,
                                   const float *bias, int dimension, float epsilon) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    const float *x = input + (long long)row * dimension;
    Out *y = output + (long long)row * dimension;
    float sum = 0;
    for (int i = threadIdx.x; i < dimension; i += blockDim.x) sum += x[i];
    float m = block_sum(sum, scratch) / dimension;
    float variance = 0;
    for (int i = threadIdx.x; i < dimension; i += blockDim.x) {
        float centred = x[i] - m;
        variance += centred * centred;
    }
    float s = 1.0f / sqrtf(block_sum(variance, scratch) / dimension + epsilon);
    for (int i = threadIdx.x; i < dimension; i += blockDim.x) store_float(y, i, (x[i] - m) * s * weight[i] + bias[i]);
    if (threadIdx.x == 0) {
        mean[row] = m;
        rstd[row] = s;
    }
}

extern "C" __global__ void layer_norm_forward_f32(float *output, float *mean, float *rstd, const float *input,
                                                  const float *weight, const float *bias, int rows, int dimension,
                                                  float epsilon) {
    layer_norm_forward(output, mean, rstd, input, weight, bias, dimension, epsilon);
}

extern "C" __global__ void layer_norm_forward_bf16(bf16 *output, float *mean, float *rstd, const float *input,
                                                   const float *weight, const float *bias, int rows, int dimension,
                                                   float epsilon) {
    layer_norm_forward(output, mean, rstd, input, weight, bias, dimension, epsilon);
}

// inputGradient += d input. Parallel layout: one block per row.
template <typename G>
__device__ void layer_norm_backward_input(float *inputGradient, const G *outputGradient, const float *input,
                                          const float *weight, const float *mean, const float *rstd, int dimension) {
    __shared__ float scratch[32];
    int row = blockIdx.x;
    const float *x = input + (long long)row * dimension;
    const G *dy = outputGradient + (long long)row * dimension;
    float *dx = inputGradient + (long long)row * dimension;
    float m = mean[row], s = rstd[row];
    float gradientSum = 0, gradientNormSum = 0;
    for (int i = threadIdx.x; i < dimension; i += blockDim.x) {
        float dNorm = load_float(dy, i) * weight[i];
        gradientSum += dNorm;
        gradientNormSum += dNorm * (x[i] - m) * s;
    }
    float meanOfGradient = block_sum(gradientSum, scratch) / dimension;
    float meanOfGradientTimesNorm = block_sum(gradientNormSum, scratch) / dimension;
    for (int i = threadIdx.x; i < dimension; i += blockDim.x) {
        float norm = (x[i] - m) * s;
        dx[i] += (load_float(dy, i) * weight[i] - meanOfGradient - norm * meanOfGradientTimesNorm) * s;
    }
}

extern "C" __global__ void layer_norm_backward_input_f32(float *inputGradient, const float *outputGradient,
                                                         const float *input, const float *weight, const float *mean,
                                                         const float *rstd, int rows, int dimension) {
    layer_norm_backward_input(inputGradient, outputGradient, input, weight, mean, rstd, dimension);
}

extern "C" __global__ void layer_norm_backward_input_bf16(float *inputGradient, const bf16 *outputGradient,
                                                          const float *input, const float *weight, const float *mean,
                                                          const float *rstd, int rows, int dimension) {
    layer_norm_backward_input(inputGradient, outputGradient, input, weight, mean, rstd, dimension);
}

// weightGradient += sum over rows of dy * norm; biasGradient += sum over rows of dy.
// Parallel layout: blocks of 32 x 8 threads; block (x, y) owns 32 columns of the y-th chunk
// of `rowsPerBlock` rows, its 8 thread rows stride over the chunk, the 8 partial sums of each
// column are added in shared memory and the block's sums atomically into the gradients.
template <typename G>
__device__ void layer_norm_backward_parameters(float *weightGradient, float *biasGradient, const G *outputGradient,
                                               const float *input, const float *mean, const float *rstd, int rows,
                                               int dimension, int rowsPerBlock) {
    __shared__ float weightPartials[8][33];
    __shared__ float biasPartials[8][33];
    int column = blockIdx.x * 32 + threadIdx.x;
    float weightSum = 0, biasSum = 0;
    if (column < dimension) {
        int endRow = min(rows, (int)blockIdx.y * rowsPerBlock + rowsPerBlock);
        for (int row = blockIdx.y * rowsPerBlock + threadIdx.y; row < endRow; row += blockDim.y) {
            long long index = (long long)row * dimension + column;
            float dy = load_float(outputGradient, index);
            weightSum += dy * (input[index] - mean[row]) * rstd[row];
            biasSum += dy;
        }
    }
    weightPartials[threadIdx.y][threadIdx.x] = weightSum;
    biasPartials[threadIdx.y][threadIdx.x] = biasSum;
    __syncthreads();
    if (threadIdx.y == 0 && column < dimension) {
        for (int part = 1; part < 8; part++) {
            weightSum += weightPartials[part][threadIdx.x];
            biasSum += biasPartials[part][threadIdx.x];
        }
        atomicAdd(weightGradient + column, weightSum);
        atomicAdd(biasGradient + column, biasSum);
    }
}

extern "C" __global__ void layer_norm_backward_parameters_f32(float *weightGradient, float *biasGradient,
                                                              const float *outputGradient, const float *input,
                                                              const float *mean, const float *rstd, int rows,
                                                              int dimension, int rowsPerBlock) {
    layer_norm_backward_parameters(weightGradient, biasGradient, outputGradient, input, mean, rstd, rows, dimension,
                                   rowsPerBlock);
}

extern "C" __global__ void layer_norm_backward_parameters_bf16(float *weightGradient, float *biasGradient,
                                                               const bf16 *outputGradient, const float *input,
                                                               const float *mean, const float *rstd, int rows,
                                                               int dimension, int rowsPerBlock) {
    layer_norm_backward_parameters(weightGradient, biasGradient, outputGradient, input, mean, rstd, rows, dimension,
                                   rowsPerBlock);
}
