// The counter-based dropout mask, bit-identical to RecutCore's DropoutMask (SplitMix64 finaliser).
#pragma once

__device__ __forceinline__ float dropout_uniform(unsigned long long seed, long long index) {
    unsigned long long z = seed + ((unsigned long long)index + 1ull) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (float)(z >> 40) * 5.9604644775390625e-8f;
}

__device__ __forceinline__ bool dropout_keeps(unsigned long long seed, long long index, double probability) {
    return (double)dropout_uniform(seed, index) >= probability;
}
