// Full-catalog ranking, one tile of scores [rows, width] (items firstItem...) at a time:
// mark the masked items, then count and select per (row, segment) block, then merge each
// row's candidates into its running top lists. Every user has two rankings, list 0 over the
// whole catalog and list 1 without the user's masked items; a call fills either or both in
// the same sweep over the scores. Per-user state is laid out [list][user]. Lists hold 64-bit
// keys that sort (descending) by score, then by lower item id: the order-preserving bits of
// the score above the complement of the id. Key 0 is an empty slot (below every real key:
// NaN scores are never keyed).
#include "block_reduce.cuh"

#define RANKING_SEGMENT 2048

__device__ __forceinline__ unsigned long long ranking_key(float score, int item) {
    if (score == 0.0f) score = 0.0f;  // -0 and +0 tie, so the lower id must win between them
    unsigned int bits = __float_as_uint(score);
    unsigned int ordered = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
    return ((unsigned long long)ordered << 32) | (unsigned long long)(0xFFFFFFFFu - (unsigned int)item);
}

__device__ __forceinline__ float ranking_key_score(unsigned long long key) {
    unsigned int ordered = (unsigned int)(key >> 32);
    return __uint_as_float((ordered & 0x80000000u) ? (ordered & 0x7FFFFFFFu) : ~ordered);
}

__device__ __forceinline__ int ranking_key_item(unsigned long long key) {
    return (int)(0xFFFFFFFFu - (unsigned int)(key & 0xFFFFFFFFull));
}

// False for NaN and for either infinity.
__device__ __forceinline__ bool ranking_score_is_finite(float score) {
    return fabsf(score) <= 3.402823466e+38f;
}

__device__ __forceinline__ int next_power_of_two(int n) {
    int p = 1;
    while (p < n) p <<= 1;
    return p;
}

// Sorts keys[0..<n] descending (n a power of two) with the whole block.
__device__ void bitonic_sort_descending(unsigned long long *keys, int n) {
    for (int size = 2; size <= n; size <<= 1) {
        for (int stride = size >> 1; stride > 0; stride >>= 1) {
            __syncthreads();
            for (int i = threadIdx.x; i < n; i += blockDim.x) {
                int j = i ^ stride;
                if (j > i) {
                    bool descending = (i & size) == 0;
                    unsigned long long a = keys[i], b = keys[j];
                    if (descending ? a < b : a > b) { keys[i] = b; keys[j] = a; }
                }
            }
        }
    }
    __syncthreads();
}

// Empties both lists of every user: no listed items, no candidates, admission -infinity, and
// in each requested ranking (a null ranks pointer is a ranking not asked for) rank 0, or
// catalogSize (a miss) when the user's target score is NaN or infinite.
extern "C" __global__ void full_ranking_reset(int *unmaskedRanks, int *maskedRanks, unsigned long long *lists,
                                             float *admission, int *candidateCounts, const float *thresholds,
                                             int users, int topCount, int catalogSize) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < 2LL * users * topCount;
         i += (long long)gridDim.x * blockDim.x) {
        lists[i] = 0ull;
        if (i < 2LL * users) {
            admission[i] = RECUT_NEGATIVE_INFINITY;
            candidateCounts[i] = 0;
        }
        if (i < users) {
            int rank = ranking_score_is_finite(thresholds[i]) ? 0 : catalogSize;
            if (unmaskedRanks) unmaskedRanks[i] = rank;
            if (maskedRanks) maskedRanks[i] = rank;
        }
    }
}

// Sets (set != 0) or clears the bits of the tile's masked items (never the row's target) in
// maskBits [rows, (width + 31) / 32]: bit c of a row is tile column c. Clearing zeroes the
// words that setting touched, so the bitmap is all zero again for the next tile.
// Parallel layout: one thread per (row, mask slot), grid-stride.
extern "C" __global__ void full_ranking_mark(unsigned int *maskBits, int rows, int width, int firstItem, int firstRow,
                                            const int *maskedItems, int maskWidth, const int *targets, int set) {
    int wordsPerRow = (width + 31) >> 5;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (long long)rows * maskWidth;
         i += (long long)gridDim.x * blockDim.x) {
        int row = (int)(i / maskWidth), user = firstRow + row;
        int item = maskedItems[(long long)user * maskWidth + i % maskWidth];
        if (item != 0 && item != targets[user] && item >= firstItem && item < firstItem + width) {
            int column = item - firstItem;
            unsigned int *word = maskBits + (long long)row * wordsPerRow + (column >> 5);
            if (set) atomicOr(word, 1u << (column & 31));
            else *word = 0u;
        }
    }
}

// Parallel layout: block (segment, row) owns RANKING_SEGMENT items of one tile row, each read
// once. For each requested ranking (list 0 unmasked, list 1 without the items set in maskBits,
// which may be null: nothing masked) it adds the items above the row's threshold (the target
// excluded; nothing when the threshold is NaN or infinite, whose rank the reset set) to the
// ranking's ranks, and appends at most topCount keys of items above the list's
// admission score to the list's candidates (its own best when more pass, found by a
// shared-memory sort).
extern "C" __global__ void full_ranking_select_f32(const float *scores, const unsigned int *maskBits, int width,
                                                   int firstItem, int firstRow, int users,
                                                   const float *thresholds, const int *targets,
                                                   const float *admission, int *unmaskedRanks, int *maskedRanks,
                                                   unsigned long long *candidates, int *candidateCounts,
                                                   int candidateCapacity, int topCount) {
    __shared__ unsigned long long keys[2][RANKING_SEGMENT];
    __shared__ int kept[2], base[2], scratch[32];
    int row = blockIdx.y, user = firstRow + row;
    int begin = blockIdx.x * RANKING_SEGMENT, end = min(width, begin + RANKING_SEGMENT);
    const float *rowScores = scores + (long long)row * width;
    const unsigned int *rowBits = maskBits ? maskBits + (long long)row * ((width + 31) >> 5) : nullptr;
    float threshold = thresholds[user];
    bool counts = ranking_score_is_finite(threshold);
    int target = targets[user];
    // +infinity admits nothing: the list of a ranking not asked for stays empty.
    float admit0 = unmaskedRanks ? admission[user] : __int_as_float(0x7f800000);
    float admit1 = maskedRanks ? admission[users + user] : __int_as_float(0x7f800000);
    if (threadIdx.x < 2) kept[threadIdx.x] = 0;
    __syncthreads();
    int above0 = 0, above1 = 0;
    for (int column = begin + threadIdx.x; column < end; column += blockDim.x) {
        float score = rowScores[column];
        int item = firstItem + column;
        bool isMasked = rowBits && ((rowBits[column >> 5] >> (column & 31)) & 1u);
        if (counts && score > threshold && item != target) {
            above0++;
            if (!isMasked) above1++;
        }
        if (score > admit0) keys[0][atomicAdd(&kept[0], 1)] = ranking_key(score, item);
        if (!isMasked && score > admit1) keys[1][atomicAdd(&kept[1], 1)] = ranking_key(score, item);
    }
    above0 = block_sum(above0, scratch);
    above1 = block_sum(above1, scratch);
    if (threadIdx.x == 0) {
        if (unmaskedRanks && above0 > 0) atomicAdd(unmaskedRanks + user, above0);
        if (maskedRanks && above1 > 0) atomicAdd(maskedRanks + user, above1);
    }
    __syncthreads();
    for (int list = 0; list < 2; list++) {
        int count = kept[list];
        if (count > topCount) {
            int padded = next_power_of_two(count);
            for (int i = count + threadIdx.x; i < padded; i += blockDim.x) keys[list][i] = 0ull;
            bitonic_sort_descending(keys[list], padded);
            count = topCount;
        }
        if (count == 0) continue;
        if (threadIdx.x == 0) base[list] = atomicAdd(candidateCounts + (long long)list * users + user, count);
        __syncthreads();
        unsigned long long *out = candidates + ((long long)list * users + user) * candidateCapacity + base[list];
        for (int i = threadIdx.x; i < count; i += blockDim.x) out[i] = keys[list][i];
    }
}

// Parallel layout: one block per (row, list); merges the list and its candidates in shared memory
// (dynamic, next_power_of_two(topCount + candidateCapacity) keys) and keeps the best topCount.
extern "C" __global__ void full_ranking_merge(unsigned long long *lists, float *admission,
                                             const unsigned long long *candidates, int *candidateCounts,
                                             int candidateCapacity, int topCount, int firstRow, int users) {
    extern __shared__ unsigned long long merged[];
    long long state = (long long)blockIdx.y * users + firstRow + blockIdx.x;
    int count = candidateCounts[state];
    if (count == 0) return;
    int total = topCount + count, padded = next_power_of_two(total);
    unsigned long long *list = lists + state * topCount;
    const unsigned long long *rowCandidates = candidates + state * candidateCapacity;
    for (int i = threadIdx.x; i < padded; i += blockDim.x)
        merged[i] = i < topCount ? list[i] : (i < total ? rowCandidates[i - topCount] : 0ull);
    bitonic_sort_descending(merged, padded);
    for (int i = threadIdx.x; i < topCount; i += blockDim.x) list[i] = merged[i];
    if (threadIdx.x == 0) {
        unsigned long long last = merged[topCount - 1];
        admission[state] = last != 0ull ? ranking_key_score(last) : RECUT_NEGATIVE_INFINITY;
        candidateCounts[state] = 0;
    }
}

// topItems[u, i] = the item of list slot i, 0 for an empty slot. One thread per slot, grid-stride.
extern "C" __global__ void full_ranking_items(int *topItems, const unsigned long long *lists, long long slots) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < slots; i += (long long)gridDim.x * blockDim.x) {
        unsigned long long key = lists[i];
        topItems[i] = key != 0ull ? ranking_key_item(key) : 0;
    }
}
