// Counter-based negatives, the device twin of NegativeSampler.draw (RecutData): the item of
// slot k of group g at step s, attempt a, is Philox4x32-10 of counter (k / perBlock, g, s, a)
// under the 64-bit seed, read as a uniform draw (one word) or an alias-table draw (a slot word
// and an acceptance word). Any kernel can regenerate an id instead of reading it.
#pragma once

__device__ __forceinline__ uint4 philox4x32_10(uint4 counter, unsigned key0, unsigned key1) {
#pragma unroll
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            key0 += 0x9E3779B9u;
            key1 += 0xBB67AE85u;
        }
        unsigned high0 = __umulhi(0xD2511F53u, counter.x), low0 = 0xD2511F53u * counter.x;
        unsigned high1 = __umulhi(0xCD9E8D57u, counter.z), low1 = 0xCD9E8D57u * counter.z;
        counter = make_uint4(high1 ^ counter.y ^ key0, low1, high0 ^ counter.w ^ key1, low0);
    }
    return counter;
}

// The sampler of a run: uniform over 1...catalogSize when thresholds is null, else the alias
// table (thresholds as unsigned bit patterns, aliases as item ids) of NegativeSampler.
struct NegativeDraws {
    unsigned long long seed;
    unsigned step;
    unsigned catalogSize;
    const unsigned *thresholds;
    const int *aliases;
};

__device__ __forceinline__ int negative_draw(const NegativeDraws &draws, long long group, int slot, unsigned attempt) {
    bool popularity = draws.thresholds != nullptr;
    int perBlock = popularity ? 2 : 4;
    uint4 words = philox4x32_10(make_uint4((unsigned)(slot / perBlock), (unsigned)group, draws.step, attempt),
                                (unsigned)draws.seed, (unsigned)(draws.seed >> 32));
    if (!popularity) {
        int lane = slot & 3;
        unsigned word = lane == 0 ? words.x : lane == 1 ? words.y : lane == 2 ? words.z : words.w;
        return (int)__umulhi(word, draws.catalogSize) + 1;
    }
    bool second = (slot & 1) != 0;
    unsigned slotWord = second ? words.z : words.x, acceptance = second ? words.w : words.y;
    unsigned aliasSlot = __umulhi(slotWord, draws.catalogSize);
    return acceptance < draws.thresholds[aliasSlot] ? (int)aliasSlot + 1 : draws.aliases[aliasSlot];
}
