// Dropout forward and backward (the same masking, the mask recomputed from the seed).
// Parallel layout: a grid-stride loop over elements (over 8-element vectors first for aligned
// bfloat16 tensors, see elementwise_map.cuh).
#include "dropout_mask.cuh"
#include "elementwise_map.cuh"

template <typename Out, typename In>
__device__ void dropout(Out *output, const In *input, long long count, double probability, unsigned long long seed,
                        float keepScale) {
    map_unary(output, input, count, [=](long long i, float x) {
        return dropout_keeps(seed, i, probability) ? x * keepScale : 0.0f;
    });
}

extern "C" __global__ void dropout_f32(float *output, const float *input, long long count, double probability,
                                       unsigned long long seed, float keepScale) {
    dropout(output, input, count, probability, seed, keepScale);
}

// Mixed precision: output and input bfloat16 (forward; backward from a bfloat16 gradient).
extern "C" __global__ void dropout_bf16(bf16 *output, const bf16 *input, long long count, double probability,
                                        unsigned long long seed, float keepScale) {
    dropout(output, input, count, probability, seed, keepScale);
}

// Mixed precision backward from a float32 gradient: output bfloat16, input float32.
extern "C" __global__ void dropout_f32_to_bf16(bf16 *output, const float *input, long long count, double probability,
                                               unsigned long long seed, float keepScale) {
    dropout(output, input, count, probability, seed, keepScale);
}
