// Warp and block reductions shared by the row kernels. Blocks must have a multiple of 32
// threads; every thread of the block receives the result.
#pragma once

#define RECUT_NEGATIVE_INFINITY (-__int_as_float(0x7f800000))

template <typename T>
__device__ __forceinline__ T warp_sum(T value) {
    for (int offset = 16; offset > 0; offset >>= 1) value += __shfl_xor_sync(0xffffffffu, value, offset);
    return value;
}

__device__ __forceinline__ float warp_max(float value) {
    for (int offset = 16; offset > 0; offset >>= 1) value = fmaxf(value, __shfl_xor_sync(0xffffffffu, value, offset));
    return value;
}

// scratch: 32 elements of shared memory, reusable right after the call returns.
template <typename T>
__device__ T block_sum(T value, T *scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    value = warp_sum(value);
    __syncthreads();
    if (lane == 0) scratch[warp] = value;
    __syncthreads();
    value = lane < warps ? scratch[lane] : (T)0;
    return warp_sum(value);
}

__device__ float block_max(float value, float *scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    value = warp_max(value);
    __syncthreads();
    if (lane == 0) scratch[warp] = value;
    __syncthreads();
    value = lane < warps ? scratch[lane] : RECUT_NEGATIVE_INFINITY;
    return warp_max(value);
}

// Grid-stride loop over n elements.
#define RECUT_FOR_EACH(i, n) \
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (n); i += (long long)gridDim.x * blockDim.x)
