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

// Draws served by one Philox block: four uniform draws (a word each), two popularity draws (a
// slot word and an acceptance word each).
__device__ __forceinline__ int negative_draws_per_block(const NegativeDraws &draws) {
    return draws.thresholds != nullptr ? 2 : 4;
}

// Draw `j` (< negative_draws_per_block) of Philox block `block` of `group`: slot
// block * negative_draws_per_block + j.
__device__ __forceinline__ int negative_draw_in_block(const NegativeDraws &draws, uint4 words, int j) {
    if (draws.thresholds == nullptr) {
        unsigned word = j == 0 ? words.x : j == 1 ? words.y : j == 2 ? words.z : words.w;
        return (int)__umulhi(word, draws.catalogSize) + 1;
    }
    unsigned slotWord = j != 0 ? words.z : words.x, acceptance = j != 0 ? words.w : words.y;
    unsigned aliasSlot = __umulhi(slotWord, draws.catalogSize);
    return acceptance < draws.thresholds[aliasSlot] ? (int)aliasSlot + 1 : draws.aliases[aliasSlot];
}

// The Philox words of block `block` of `group` at `attempt`.
__device__ __forceinline__ uint4 negative_block(const NegativeDraws &draws, long long group, int block,
                                                unsigned attempt) {
    return philox4x32_10(make_uint4((unsigned)block, (unsigned)group, draws.step, attempt), (unsigned)draws.seed,
                         (unsigned)(draws.seed >> 32));
}

// The item of slot `slot` of `group` at `attempt`.
__device__ __forceinline__ int negative_draw(const NegativeDraws &draws, long long group, int slot, unsigned attempt) {
    int perBlock = negative_draws_per_block(draws);
    return negative_draw_in_block(draws, negative_block(draws, group, slot / perBlock, attempt), slot % perBlock);
}
