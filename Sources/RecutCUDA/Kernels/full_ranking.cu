// Full-catalog ranking, one tile of scores [rows, width] (items firstItem...) at a time:
// mask, then count and select per (row, segment) block, then merge each row's candidates
// into its running top list. Lists hold 64-bit keys that sort (descending) by score, then
// by lower item id: the order-preserving bits of the score above the complement of the id.
// Key 0 is an empty slot (below every real key: NaN scores are never keyed).
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

// Empties every user's state: rank 0, no listed items, no candidates, admission -infinity.
extern "C" __global__ void full_ranking_reset(int *ranks, unsigned long long *lists, float *admission,
                                             int *candidateCounts, int users, int topCount) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (long long)users * topCount;
         i += (long long)gridDim.x * blockDim.x) {
        lists[i] = 0ull;
        if (i < users) {
            ranks[i] = 0;
            admission[i] = RECUT_NEGATIVE_INFINITY;
            candidateCounts[i] = 0;
        }
    }
}

// Scores of masked items (never the row's target) inside the tile become -infinity.
// Parallel layout: one thread per (row, mask slot), grid-stride.
extern "C" __global__ void full_ranking_mask_f32(float *scores, int rows, int width, int firstItem, int firstRow,
                                                 const int *maskedItems, int maskWidth, const int *targets) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < (long long)rows * maskWidth;
         i += (long long)gridDim.x * blockDim.x) {
        int row = (int)(i / maskWidth), user = firstRow + row;
        int item = maskedItems[(long long)user * maskWidth + i % maskWidth];
        if (item != 0 && item != targets[user] && item >= firstItem && item < firstItem + width)
            scores[(long long)row * width + (item - firstItem)] = RECUT_NEGATIVE_INFINITY;
    }
}

// Parallel layout: block (segment, row) owns RANKING_SEGMENT items of one tile row. It adds
// the items above the row's threshold (the target excluded) to ranks, and appends at most
// topCount keys of items above the row's admission score to the row's candidates (its own
// best when more pass, found by a shared-memory sort).
extern "C" __global__ void full_ranking_select_f32(const float *scores, int width, int firstItem, int firstRow,
                                                   const float *thresholds, const int *targets,
                                                   const float *admission, int *ranks,
                                                   unsigned long long *candidates, int *candidateCounts,
                                                   int candidateCapacity, int topCount) {
    __shared__ unsigned long long keys[RANKING_SEGMENT];
    __shared__ int kept, base, scratch[32];
    int row = blockIdx.y, user = firstRow + row;
    int begin = blockIdx.x * RANKING_SEGMENT, end = min(width, begin + RANKING_SEGMENT);
    const float *rowScores = scores + (long long)row * width;
    float threshold = thresholds[user];
    if (threshold != threshold) threshold = RECUT_NEGATIVE_INFINITY;  // NaN
    int target = targets[user];
    float admit = admission[user];
    if (threadIdx.x == 0) kept = 0;
    __syncthreads();
    int above = 0;
    for (int column = begin + threadIdx.x; column < end; column += blockDim.x) {
        float score = rowScores[column];
        int item = firstItem + column;
        if (score > threshold && item != target) above++;
        if (score > admit) keys[atomicAdd(&kept, 1)] = ranking_key(score, item);
    }
    above = block_sum(above, scratch);
    if (threadIdx.x == 0 && above > 0) atomicAdd(ranks + user, above);
    __syncthreads();
    int count = kept;
    if (count > topCount) {
        int padded = next_power_of_two(count);
        for (int i = count + threadIdx.x; i < padded; i += blockDim.x) keys[i] = 0ull;
        bitonic_sort_descending(keys, padded);
        count = topCount;
    }
    if (count == 0) return;
    if (threadIdx.x == 0) base = atomicAdd(candidateCounts + user, count);
    __syncthreads();
    unsigned long long *out = candidates + (long long)user * candidateCapacity + base;
    for (int i = threadIdx.x; i < count; i += blockDim.x) out[i] = keys[i];
}

// Parallel layout: one block per row; merges the row's list and candidates in shared memory
// (dynamic, next_power_of_two(topCount + candidateCapacity) keys) and keeps the best topCount.
extern "C" __global__ void full_ranking_merge(unsigned long long *lists, float *admission,
                                             const unsigned long long *candidates, int *candidateCounts,
                                             int candidateCapacity, int topCount, int firstRow) {
    extern __shared__ unsigned long long merged[];
    int user = firstRow + blockIdx.x;
    int count = candidateCounts[user];
    if (count == 0) return;
    int total = topCount + count, padded = next_power_of_two(total);
    unsigned long long *list = lists + (long long)user * topCount;
    const unsigned long long *rowCandidates = candidates + (long long)user * candidateCapacity;
    for (int i = threadIdx.x; i < padded; i += blockDim.x)
        merged[i] = i < topCount ? list[i] : (i < total ? rowCandidates[i - topCount] : 0ull);
    bitonic_sort_descending(merged, padded);
    for (int i = threadIdx.x; i < topCount; i += blockDim.x) list[i] = merged[i];
    if (threadIdx.x == 0) {
        unsigned long long last = merged[topCount - 1];
        admission[user] = last != 0ull ? ranking_key_score(last) : RECUT_NEGATIVE_INFINITY;
        candidateCounts[user] = 0;
    }
}

// topItems[u, i] = the item of list slot i, 0 for an empty slot. One thread per slot, grid-stride.
extern "C" __global__ void full_ranking_items(int *topItems, const unsigned long long *lists, long long slots) {
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < slots; i += (long long)gridDim.x * blockDim.x) {
        unsigned long long key = lists[i];
        topItems[i] = key != 0ull ? ranking_key_item(key) : 0;
    }
}
