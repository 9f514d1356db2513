// Elementwise arithmetic, conversions and the sum of squares. Parallel layout: a grid-stride
// loop, one element per thread per iteration.
#include "block_reduce.cuh"
#include "precision.cuh"

template <typename B>
__device__ void add_elements(float *output, const float *a, const B *b, long long count) {
    RECUT_FOR_EACH(i, count) output[i] = a[i] + load_float(b, i);
}

extern "C" __global__ void add_f32(float *output, const float *a, const float *b, long long count) {
    add_elements(output, a, b, count);
}

// Mixed precision: output and a float32 (the residual stream), b bfloat16.
extern "C" __global__ void add_bf16(float *output, const float *a, const bf16 *b, long long count) {
    add_elements(output, a, b, count);
}

extern "C" __global__ void add_scaled_f32(float *output, const float *input, float scale, long long count) {
    RECUT_FOR_EACH(i, count) output[i] += scale * input[i];
}

extern "C" __global__ void scale_f32(float *tensor, float factor, long long count) {
    RECUT_FOR_EACH(i, count) tensor[i] *= factor;
}

// One float64 partial sum per block; the host adds the partials in block order.
extern "C" __global__ void sum_of_squares_partials_f32(double *partials, const float *tensor, long long count) {
    __shared__ double scratch[32];
    double sum = 0;
    RECUT_FOR_EACH(i, count) {
        double value = tensor[i];
        sum += value * value;
    }
    sum = block_sum(sum, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = sum;
}

extern "C" __global__ void fill_u64(unsigned long long *tensor, unsigned long long value, long long count) {
    RECUT_FOR_EACH(i, count) tensor[i] = value;
}

extern "C" __global__ void convert_f32_to_f64(double *output, const float *input, long long count) {
    RECUT_FOR_EACH(i, count) output[i] = input[i];
}

extern "C" __global__ void convert_f64_to_f32(float *output, const double *input, long long count) {
    RECUT_FOR_EACH(i, count) output[i] = (float)input[i];
}

extern "C" __global__ void fill_u16(unsigned short *tensor, unsigned short value, long long count) {
    RECUT_FOR_EACH(i, count) tensor[i] = value;
}

extern "C" __global__ void convert_f32_to_bf16(bf16 *output, const float *input, long long count) {
    RECUT_FOR_EACH(i, count) store_float(output, i, input[i]);
}

extern "C" __global__ void convert_bf16_to_f32(float *output, const bf16 *input, long long count) {
    RECUT_FOR_EACH(i, count) output[i] = load_float(input, i);
}
