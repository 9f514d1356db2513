// Storage types of floating-point operands. Kernels compute in float and convert at loads
// and stores through load_float / store_float, so one template serves float32 and bfloat16.
#pragma once

// A bfloat16 element as its raw bits (the upper half of a float32). A struct rather than
// unsigned short, so that overloads never confuse it with an integer.
struct bf16 {
    unsigned short bits;
};

// Round to nearest, ties to even; NaN stays NaN (the rule of RecutCore's BFloat16).
__device__ __forceinline__ unsigned short bf16_bits(float value) {
    unsigned raw = __float_as_uint(value);
    if ((raw & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((raw >> 16) | 0x0040u);
    raw += 0x7fffu + ((raw >> 16) & 1u);
    return (unsigned short)(raw >> 16);
}

__device__ __forceinline__ float bf16_value(unsigned short bits) { return __uint_as_float((unsigned)bits << 16); }

__device__ __forceinline__ float load_float(const float *tensor, long long i) { return tensor[i]; }
__device__ __forceinline__ float load_float(const bf16 *tensor, long long i) { return bf16_value(tensor[i].bits); }
__device__ __forceinline__ void store_float(float *tensor, long long i, float value) { tensor[i] = value; }
__device__ __forceinline__ void store_float(bf16 *tensor, long long i, float value) {
    tensor[i].bits = bf16_bits(value);
}
