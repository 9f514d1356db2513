// Row-vector helpers of the per-position `cce-` kernels: a warp owns one row, each group of
// 8 lanes one negative at a time, and lane `member` holds dimensions 32q + 4member ..
// 32q + 4member + 3 (q < SAMPLED_ROW_VECTORS) as float4s, so d must be a multiple of 4
// and at most 128, and rows 16-byte aligned. Rows are float (16-byte loads) or bf16 (8-byte
// loads of 4 elements, aligned because d is a multiple of 4); the arithmetic is float.
#pragma once
#include "fused_tiles.cuh"
#include "negative_draws.cuh"
#include "precision.cuh"

#define SAMPLED_ROW_VECTORS 4

// Where a row's negative ids come from: stored ids [_, K] read from row r / rowsPerNegativeRow,
// or, when ids is null, the counter that drew them (per position: group r), regenerated here
// so that no [N, K] id tensor exists.
struct SampledNegativeIDs {
    const int *ids;
    NegativeDraws draws;
};

// A warp reads a row's negatives in windows: 32 stored ids (one per lane), or the ids of 32
// Philox blocks (one block per lane, SAMPLED_IDS_PER_LANE or fewer ids each), so that each
// block is computed once. Lane `lane` holds slots sampled_slot(...) of the window at k0.
#define SAMPLED_IDS_PER_LANE 4

__device__ __forceinline__ int sampled_ids_per_lane(const SampledNegativeIDs &source) {
    return source.ids != nullptr ? 1 : negative_draws_per_block(source.draws);
}

// The slot of the lane's id j in the window starting at k0.
__device__ __forceinline__ int sampled_slot(int k0, int lane, int j, int idsPerLane) {
    return k0 + lane * idsPerLane + j;
}

// Fills ids[0..<idsPerLane] with the lane's negatives of the window at k0 (0 past K);
// `streaming` reads stored ids without keeping them in L2.
__device__ __forceinline__ void sampled_lane_ids(int ids[SAMPLED_IDS_PER_LANE], const SampledNegativeIDs &source,
                                                 long long idRow, int negatives, int k0, int lane, bool streaming) {
    if (source.ids != nullptr) {
        int k = k0 + lane;
        const int *address = source.ids + idRow * negatives + k;
        ids[0] = k < negatives ? (streaming ? __ldcs(address) : *address) : 0;
        return;
    }
    int perBlock = negative_draws_per_block(source.draws);
    uint4 words = negative_block(source.draws, idRow, k0 / perBlock + lane, 0u);
#pragma unroll
    for (int j = 0; j < SAMPLED_IDS_PER_LANE; j++) {
        if (j >= perBlock) break;
        int k = sampled_slot(k0, lane, j, perBlock);
        ids[j] = k < negatives ? negative_draw_in_block(source.draws, words, j) : 0;
    }
}

// logQMode: 0 none, 1 per item (logQ[id]), 2 per negative (logQ[slot]).
__device__ __forceinline__ float sampled_log_q_shift(const float *logQ, int logQMode, float logNegatives,
                                                     long long slot, int id) {
    if (logQMode == 0) return 0.0f;
    return logNegatives + (logQMode == 1 ? logQ[id] : logQ[slot]);
}

// The lane's float4s of one row (zeros past d).
template <typename Operand>
__device__ __forceinline__ void sampled_load_row(float4 v[SAMPLED_ROW_VECTORS], const Operand *row, int member,
                                                 int dimension) {
#pragma unroll
    for (int q = 0; q < SAMPLED_ROW_VECTORS; q++) {
        int c = 32 * q + 4 * member;
        v[q] = c < dimension ? load_float4(row + c) : make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    }
}

// Loads the lane's float4s of table row `e` into `loaded` and returns their dot with `h`
// (the lane's share of the full dot product).
template <typename Operand>
__device__ __forceinline__ float sampled_partial_dot(float4 loaded[SAMPLED_ROW_VECTORS],
                                                     const float4 h[SAMPLED_ROW_VECTORS], const Operand *e,
                                                     int member, int dimension) {
    sampled_load_row(loaded, e, member, dimension);
    float dot = 0.0f;
#pragma unroll
    for (int q = 0; q < SAMPLED_ROW_VECTORS; q++)
        dot += h[q].x * loaded[q].x + h[q].y * loaded[q].y + h[q].z * loaded[q].z + h[q].w * loaded[q].w;
    return dot;
}

// Hands a warp's pending negatives to its four groups of 8 lanes, up to 4 at a time: `pending`
// (the same on every lane) marks the lanes of a 32-slot window whose negative counts. Returns
// the window lane whose negative this lane's group scores next (-1 when fewer than 4 remain)
// and clears the ones handed out.
__device__ __forceinline__ int sampled_next_negative(unsigned &pending, int group) {
    int mine = -1;
#pragma unroll
    for (int j = 0; j < 4; j++) {
        if (pending == 0u) break;
        int source = __ffs(pending) - 1;
        pending &= pending - 1u;
        if (j == group) mine = source;
    }
    return mine;
}

// *address += value for 4 consecutive floats (16-byte aligned): one vector reduction on
// sm_90, four scalar atomics before.
__device__ __forceinline__ void sampled_atomic_add4(float *address, float4 value) {
#if __CUDA_ARCH__ >= 900
    asm volatile("red.global.v4.f32.add [%0], {%1, %2, %3, %4};" ::"l"(address), "f"(value.x), "f"(value.y),
                 "f"(value.z), "f"(value.w)
                 : "memory");
#else
    atomicAdd(address, value.x);
    atomicAdd(address + 1, value.y);
    atomicAdd(address + 2, value.z);
    atomicAdd(address + 3, value.w);
#endif
}
