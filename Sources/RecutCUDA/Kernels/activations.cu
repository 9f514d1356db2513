// GELU (exact erf form) and ReLU. Parallel layout: a grid-stride loop over elements.
#include "block_reduce.cuh"

extern "C" __global__ void gelu_forward_f32(float *output, const float *input, long long count) {
    RECUT_FOR_EACH(i, count) {
        float x = input[i];
        output[i] = 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    }
}

// GELU'(x) = Phi(x) + x * phi(x), with Phi the normal CDF and phi its density.
extern "C" __global__ void gelu_backward_f32(float *inputGradient, const float *outputGradient, const float *input,
                                             long long count) {
    RECUT_FOR_EACH(i, count) {
        float x = input[i];
        float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
        float density = 0.39894228040143268f * expf(-0.5f * x * x);
        inputGradient[i] = outputGradient[i] * (cdf + x * density);
    }
}

extern "C" __global__ void relu_forward_f32(float *output, const float *input, long long count) {
    RECUT_FOR_EACH(i, count) output[i] = fmaxf(input[i], 0.0f);
}

extern "C" __global__ void relu_backward_f32(float *inputGradient, const float *outputGradient, const float *input,
                                             long long count) {
    RECUT_FOR_EACH(i, count) inputGradient[i] = input[i] > 0.0f ? outputGradient[i] : 0.0f;
}
