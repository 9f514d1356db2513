// The reductions of the losses: the count of nonzero ids and a scaled float64 sum.
// Parallel layout: a grid-stride loop; each block adds its partial to the result atomically.
#include "block_reduce.cuh"

extern "C" __global__ void count_nonzero_i32(unsigned long long *result, const int *ids, long long count) {
    __shared__ unsigned long long scratch[32];
    unsigned long long nonzero = 0;
    RECUT_FOR_EACH(i, count) nonzero += ids[i] != 0;
    nonzero = block_sum(nonzero, scratch);
    if (threadIdx.x == 0) atomicAdd(result, nonzero);
}

// *result += scale * the sum of tensor[0..<count] (scale 1 for a plain sum).
extern "C" __global__ void accumulate_sum_f32(double *result, const float *tensor, long long count, double scale) {
    __shared__ double scratch[32];
    double sum = 0;
    RECUT_FOR_EACH(i, count) sum += tensor[i];
    sum = block_sum(sum, scratch);
    if (threadIdx.x == 0) atomicAdd(result, scale * sum);
}
