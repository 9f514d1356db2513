// Forward pass of `cce-` with negatives gathered per row (per position): row r scores its
// positive and the K negatives of id row r / rowsPerNegativeRow against hidden[r] and keeps
// only logSumExp[r] and losses[r]; the negative logits never leave the registers. An id 0
// or equal to the row's target is skipped; logQMode 0 none, 1 per item, 2 per negative. With
// negativeIDs null, the ids are regenerated from the counter (seed, step, alias table).
#include "sampled_rows.cuh"

// Parallel layout: one warp per row; each lane reads one id of every 32 (or regenerates one
// Philox block of ids, see sampled_lane_ids), and each group of 8 lanes scores one negative at a time (4 in flight per warp), each lane holding
// 4 dimensions of every 32 as a float4 and reading the table row with 16-byte loads; each group
// keeps an online (maximum, sum) and the four are combined with shuffles at the end.
template <typename Operand>
__device__ __forceinline__ void sampled_log_sum_exp_forward(float *logSumExp, float *losses, const float *positive,
                                                            const Operand *hidden, const Operand *table,
                                                            const int *targets, const SampledNegativeIDs &source,
                                                            const float *logQ, int logQMode, float logNegatives,
                                                            int rows, int negatives, int rowsPerNegativeRow,
                                                            int dimension, long long tableRows) {
    int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= rows) return;
    int lane = threadIdx.x & 31, group = lane >> 3, member = lane & 7;
    int target = targets[r];
    if (target == 0) {
        if (lane == 0) {
            logSumExp[r] = 0.0f;
            losses[r] = 0.0f;
        }
        return;
    }
    float4 h[SAMPLED_ROW_VECTORS];
    sampled_load_row(h, hidden + (long long)r * dimension, member, dimension);
    long long idRow = r / rowsPerNegativeRow, first = idRow * negatives;
    float maximum = RECUT_NEGATIVE_INFINITY, sum = 0.0f;
    int idsPerLane = sampled_ids_per_lane(source);
    for (int window = 0; window < negatives; window += 32 * idsPerLane) {
        int laneIDs[SAMPLED_IDS_PER_LANE];
        sampled_lane_ids(laneIDs, source, idRow, negatives, window, lane, false);
#pragma unroll
        for (int j = 0; j < SAMPLED_IDS_PER_LANE; j++) {
            if (j >= idsPerLane) break;
            for (int offset = 0; offset < 32; offset += 4) {
                int k = sampled_slot(window, offset + group, j, idsPerLane);
                int id = __shfl_sync(0xffffffffu, laneIDs[j], offset + group);
                bool counts = k < negatives && id > 0 && id < tableRows && id != target;
                float4 e[SAMPLED_ROW_VECTORS];
                float dot = counts ? sampled_partial_dot(e, h, table + (long long)id * dimension, member, dimension)
                                   : 0.0f;
                dot += __shfl_xor_sync(0xffffffffu, dot, 4);
                dot += __shfl_xor_sync(0xffffffffu, dot, 2);
                dot += __shfl_xor_sync(0xffffffffu, dot, 1);
                if (!counts) continue;
                float z = dot - sampled_log_q_shift(logQ, logQMode, logNegatives, first + k, id);
                if (z > maximum) {
                    sum = sum * expf(maximum - z) + 1.0f;
                    maximum = z;
                } else {
                    sum += expf(z - maximum);
                }
            }
        }
    }
    for (int offset = 8; offset < 32; offset <<= 1) {
        float otherMaximum = __shfl_xor_sync(0xffffffffu, maximum, offset);
        float otherSum = __shfl_xor_sync(0xffffffffu, sum, offset);
        fused_combine(maximum, sum, otherMaximum, otherSum);
    }
    if (lane == 0) {
        float p = positive[r];
        fused_combine(maximum, sum, p, 1.0f);
        float value = maximum + logf(sum);
        logSumExp[r] = value;
        losses[r] = value - p;
    }
}

extern "C" __global__ void sampled_log_sum_exp_forward_f32(float *logSumExp, float *losses, const float *positive,
                                                           const float *hidden, const float *table,
                                                           const int *targets, const int *negativeIDs,
                                                           const unsigned *thresholds, const int *aliases, unsigned long long seed, unsigned step,
                                                           unsigned catalogSize, const float *logQ, int logQMode, float logNegatives,
                                                           int rows, int negatives, int rowsPerNegativeRow,
                                                           int dimension, long long tableRows) {
    SampledNegativeIDs source = {negativeIDs, {seed, step, catalogSize, thresholds, aliases}};
    sampled_log_sum_exp_forward(logSumExp, losses, positive, hidden, table, targets, source, logQ, logQMode,
                                logNegatives, rows, negatives, rowsPerNegativeRow, dimension, tableRows);
}

// Mixed precision: hidden and table bf16; logSumExp, losses, positive logits and log q float.
extern "C" __global__ void sampled_log_sum_exp_forward_bf16(float *logSumExp, float *losses, const float *positive,
                                                            const bf16 *hidden, const bf16 *table,
                                                            const int *targets, const int *negativeIDs,
                                                            const unsigned *thresholds, const int *aliases, unsigned long long seed, unsigned step,
                                                            unsigned catalogSize, const float *logQ, int logQMode, float logNegatives,
                                                            int rows, int negatives, int rowsPerNegativeRow,
                                                            int dimension, long long tableRows) {
    SampledNegativeIDs source = {negativeIDs, {seed, step, catalogSize, thresholds, aliases}};
    sampled_log_sum_exp_forward(logSumExp, losses, positive, hidden, table, targets, source, logQ, logQMode,
                                logNegatives, rows, negatives, rowsPerNegativeRow, dimension, tableRows);
}
