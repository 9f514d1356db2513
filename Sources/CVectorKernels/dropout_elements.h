// Dropout of elements, for one instruction set (see dropout.c).
#define HASHES CAT(hash_vector_, NAME)
typedef unsigned long long HASHES __attribute__((vector_size(LANES * 8), aligned(8)));

static void CAT(dropout_, NAME)(float *output, const float *input, long first, long count, unsigned long long seed,
                                unsigned long long threshold, float keep_scale) {
    HASHES lane = {};
    for (int i = 0; i < LANES; i++) lane[i] = (unsigned long long)i;
    for (long i = 0; i < count; i += LANES) {
        // SplitMix64's finaliser of (seed, index), its top 24 bits (DropoutMask.hash).
        HASHES z = seed + ((unsigned long long)(first + i) + lane + 1) * 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        HASHES hash = (z ^ (z >> 31)) >> 40;
        INTEGERS keeps = __builtin_convertvector(hash >= threshold, INTEGERS);
        VECTOR factor = CAT(select_, NAME)(keeps, (VECTOR){} + keep_scale, (VECTOR){});
        CAT(store_, NAME)(output + i, count - i, CAT(load_, NAME)(input + i, count - i, 0) * factor);
    }
}
#undef HASHES
