// The negatives of one step drawn on the device (LossBackend.sampleNegatives): ids [groups,
// count], group g's slot k drawn by negative_draw, redrawn (up to maxAttempts) while it equals
// a target of its group with resampling (collisions 1), or emptied (0) where it equals the
// position's target when masking one position per group (collisions 2).
#include "block_reduce.cuh"
#include "negative_draws.cuh"

// Whether `item` is a target of positions first..<last: a bit of the batch's target set when
// one group holds every position (targetBits), else a scan of the group's targets.
__device__ __forceinline__ bool negative_hits_target(int item, const int *targets, const unsigned *targetBits,
                                                     long long first, long long last) {
    if (targetBits != nullptr) return (targetBits[item >> 5] >> (item & 31)) & 1u;
    for (long long p = first; p < last; p++)
        if (targets[p] == item) return true;
    return false;
}

// Parallel layout: a grid-stride loop, one thread per id.
extern "C" __global__ void sample_negatives(int *ids, const int *targets, const unsigned *thresholds,
                                            const int *aliases, const unsigned *targetBits,
                                            unsigned long long seed, unsigned step, unsigned catalogSize,
                                            long long positions, int positionsPerGroup, int count, int collisions,
                                            int maxAttempts, long long total) {
    NegativeDraws draws = {seed, step, catalogSize, thresholds, aliases};
    RECUT_FOR_EACH(i, total) {
        long long group = i / count;
        int slot = (int)(i - group * count);
        int item = negative_draw(draws, group, slot, 0u);
        long long first = group * positionsPerGroup, last = min(first + positionsPerGroup, positions);
        if (collisions == 1 && negative_hits_target(item, targets, targetBits, first, last)) {
            for (int attempt = 1; attempt < maxAttempts; attempt++) {
                int again = negative_draw(draws, group, slot, (unsigned)attempt);
                if (!negative_hits_target(again, targets, targetBits, first, last)) {
                    item = again;
                    break;
                }
            }
        } else if (collisions == 2 && positionsPerGroup == 1 && group < positions && targets[group] == item) {
            item = 0;
        }
        ids[i] = item;
    }
}

// Sets bit t of targetBits (zeroed first) for every nonzero target t. Parallel layout: a
// grid-stride loop, one thread per position.
extern "C" __global__ void mark_negative_targets(unsigned *targetBits, const int *targets, long long positions) {
    RECUT_FOR_EACH(p, positions) {
        int target = targets[p];
        if (target != 0) atomicOr(targetBits + (target >> 5), 1u << (target & 31));
    }
}
