// Dropout forward and backward (the same masking, the mask recomputed from the seed).
// Parallel layout: a grid-stride loop over elements.
#include "block_reduce.cuh"
#include "dropout_mask.cuh"

extern "C" __global__ void dropout_f32(float *output, const float *input, long long count, double probability,
                                       unsigned long long seed, float keepScale) {
    RECUT_FOR_EACH(i, count) output[i] = dropout_keeps(seed, i, probability) ? input[i] * keepScale : 0.0f;
}
