// Grid-stride elementwise maps over float32 or bfloat16 tensors. All-bfloat16 maps over
// 16-byte aligned tensors move 8 elements per load and store (one uint4), then finish the
// last count % 8 elements one by one; other maps go element by element.
// Parallel layout: a grid-stride loop over 8-element vectors, then one over the remaining elements.
#pragma once
#include "block_reduce.cuh"
#include "precision.cuh"

__device__ __forceinline__ bool aligned_16_bytes(const void *pointer) { return ((unsigned long long)pointer & 15ull) == 0; }

// values[0..7] = tensor[i..i+7]; i a multiple of 8 and tensor 16-byte aligned.
__device__ __forceinline__ void load_bf16x8(const bf16 *tensor, long long i, float *values) {
    uint4 raw = *reinterpret_cast<const uint4 *>(tensor + i);
    unsigned words[4] = {raw.x, raw.y, raw.z, raw.w};
#pragma unroll
    for (int k = 0; k < 4; k++) {
        values[2 * k] = __uint_as_float(words[k] << 16);
        values[2 * k + 1] = __uint_as_float(words[k] & 0xffff0000u);
    }
}

// tensor[i..i+7] = values[0..7] rounded to bfloat16; i a multiple of 8 and tensor 16-byte aligned.
__device__ __forceinline__ void store_bf16x8(bf16 *tensor, long long i, const float *values) {
    unsigned words[4];
#pragma unroll
    for (int k = 0; k < 4; k++) {
        words[k] = (unsigned)bf16_bits(values[2 * k]) | ((unsigned)bf16_bits(values[2 * k + 1]) << 16);
    }
    *reinterpret_cast<uint4 *>(tensor + i) = make_uint4(words[0], words[1], words[2], words[3]);
}

// The vector part of map_unary: none unless every tensor is bfloat16.
template <typename Out, typename In, typename F>
__device__ long long map_unary_vectors(Out *, const In *, long long, F) {
    return 0;
}

// Returns how many leading elements it wrote (a multiple of 8; 0 when a tensor is misaligned).
template <typename F>
__device__ long long map_unary_vectors(bf16 *output, const bf16 *input, long long count, F f) {
    if (!aligned_16_bytes(output) || !aligned_16_bytes(input)) return 0;
    RECUT_FOR_EACH(vector, count / 8) {
        float values[8];
        load_bf16x8(input, vector * 8, values);
#pragma unroll
        for (int k = 0; k < 8; k++) values[k] = f(vector * 8 + k, values[k]);
        store_bf16x8(output, vector * 8, values);
    }
    return count / 8 * 8;
}

// output[i] = f(i, input[i]) for i < count.
template <typename Out, typename In, typename F>
__device__ void map_unary(Out *output, const In *input, long long count, F f) {
    long long first = map_unary_vectors(output, input, count, f);
    RECUT_FOR_EACH(j, count - first) {
        long long i = first + j;
        store_float(output, i, f(i, load_float(input, i)));
    }
}

// The vector part of map_binary: none unless every tensor is bfloat16.
template <typename T, typename F>
__device__ long long map_binary_vectors(T *, const T *, const T *, long long, F) {
    return 0;
}

template <typename F>
__device__ long long map_binary_vectors(bf16 *output, const bf16 *a, const bf16 *b, long long count, F f) {
    if (!aligned_16_bytes(output) || !aligned_16_bytes(a) || !aligned_16_bytes(b)) return 0;
    RECUT_FOR_EACH(vector, count / 8) {
        float first[8], second[8];
        load_bf16x8(a, vector * 8, first);
        load_bf16x8(b, vector * 8, second);
#pragma unroll
        for (int k = 0; k < 8; k++) first[k] = f(first[k], second[k]);
        store_bf16x8(output, vector * 8, first);
    }
    return count / 8 * 8;
}

// output[i] = f(a[i], b[i]) for i < count, all three tensors of one type.
template <typename T, typename F>
__device__ void map_binary(T *output, const T *a, const T *b, long long count, F f) {
    long long first = map_binary_vectors(output, a, b, count, f);
    RECUT_FOR_EACH(j, count - first) {
        long long i = first + j;
        store_float(output, i, f(load_float(a, i), load_float(b, i)));
    }
}
