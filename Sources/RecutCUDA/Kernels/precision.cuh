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

// Four consecutive elements from an address aligned to four of them (16 bytes of float, 8 of
// bf16), as floats, and back.
__device__ __forceinline__ float4 load_float4(const float *p) { return *reinterpret_cast<const float4 *>(p); }
__device__ __forceinline__ float4 load_float4(const bf16 *p) {
    uint2 raw = *reinterpret_cast<const uint2 *>(p);
    return make_float4(bf16_value((unsigned short)(raw.x & 0xffffu)), bf16_value((unsigned short)(raw.x >> 16)),
                       bf16_value((unsigned short)(raw.y & 0xffffu)), bf16_value((unsigned short)(raw.y >> 16)));
}
__device__ __forceinline__ void store_float4(float *p, float4 v) { *reinterpret_cast<float4 *>(p) = v; }
__device__ __forceinline__ void store_float4(bf16 *p, float4 v) {
    uint2 raw;
    raw.x = (unsigned)bf16_bits(v.x) | ((unsigned)bf16_bits(v.y) << 16);
    raw.y = (unsigned)bf16_bits(v.z) | ((unsigned)bf16_bits(v.w) << 16);
    *reinterpret_cast<uint2 *>(p) = raw;
}
