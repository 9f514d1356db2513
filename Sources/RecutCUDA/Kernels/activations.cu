// GELU (exact erf form) and ReLU. Parallel layout: a grid-stride loop over elements (over
// 8-element vectors first for aligned bfloat16 tensors, see elementwise_map.cuh).
// The _bf16 variants take every operand in bfloat16 (mixed precision).
#include "elementwise_map.cuh"

__device__ __forceinline__ float gelu(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

// GELU'(x) = Phi(x) + x * phi(x), with Phi the normal CDF and phi its density.
__device__ __forceinline__ float gelu_derivative(float x) {
    float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
    float density = 0.39894228040143268f * expf(-0.5f * x * x);
    return cdf + x * density;
}

template <typename T>
__device__ void gelu_forward(T *output, const T *input, long long count) {
    map_unary(output, input, count, [](long long, float x) { return gelu(x); });
}

template <typename T>
__device__ void gelu_backward(T *inputGradient, const T *outputGradient, const T *input, long long count) {
    map_binary(inputGradient, outputGradient, input, count, [](float dy, float x) { return dy * gelu_derivative(x); });
}

template <typename T>
__device__ void relu_forward(T *output, const T *input, long long count) {
    map_unary(output, input, count, [](long long, float x) { return fmaxf(x, 0.0f); });
}

template <typename T>
__device__ void relu_backward(T *inputGradient, const T *outputGradient, const T *input, long long count) {
    map_binary(inputGradient, outputGradient, input, count, [](float dy, float x) { return x > 0.0f ? dy : 0.0f; });
}

extern "C" __global__ void gelu_forward_f32(float *output, const float *input, long long count) {
    gelu_forward(output, input, count);
}

extern "C" __global__ void gelu_forward_bf16(bf16 *output, const bf16 *input, long long count) {
    gelu_forward(output, input, count);
}

extern "C" __global__ void gelu_backward_f32(float *inputGradient, const float *outputGradient, const float *input,
                                             long long count) {
    gelu_backward(inputGradient, outputGradient, input, count);
}

extern "C" __global__ void gelu_backward_bf16(bf16 *inputGradient, const bf16 *outputGradient, const bf16 *input,
                                              long long count) {
    gelu_backward(inputGradient, outputGradient, input, count);
}

extern "C" __global__ void relu_forward_f32(float *output, const float *input, long long count) {
    relu_forward(output, input, count);
}

extern "C" __global__ void relu_forward_bf16(bf16 *output, const bf16 *input, long long count) {
    relu_forward(output, input, count);
}

extern "C" __global__ void relu_backward_f32(float *inputGradient, const float *outputGradient, const float *input,
                                             long long count) {
    relu_backward(inputGradient, outputGradient, input, count);
}

extern "C" __global__ void relu_backward_bf16(bf16 *inputGradient, const bf16 *outputGradient, const bf16 *input,
                                              long long count) {
    relu_backward(inputGradient, outputGradient, input, count);
}
