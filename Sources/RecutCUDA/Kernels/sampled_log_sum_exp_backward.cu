// Backward pass of `cce-`: recomputes each negative logit, turns it into the softmax weight
// w = exp(z - logSumExp[r]) (dropped when below the threshold), adds hiddenGradient[r]'s share
// to a float32 sum and scale * w * hidden[r] to the table gradient rows of the negatives and
// the target, with float atomics (ids repeat across rows), so the order of additions varies
// between runs. The positive's weight is exp(p - logSumExp[r]) - 1, dropped when its
// magnitude is below the threshold. With negativeIDs null, the ids are regenerated from the
// counter (seed, step, alias table), in every id range.
#include "sampled_rows.cuh"

// Parallel layout: one warp per row and id range: block (x, y) scores the negatives of rows
// 8x..8x+7 whose ids lie in range y, [y idsPerRange, (y + 1) idsPerRange). Blocks start in
// order of y, so the rows of E and of the table gradient that the atomics of one range touch
// stay in L2 instead of going to DRAM at random. A warp reads (streaming, so that they do not
// push those rows out of L2) or regenerates its row's ids 32 at a time and hands the ones in
// range to its groups of 8 lanes; each lane accumulates its float4s of dH, the four groups add theirs
// with shuffles, and group 0 adds the row's share to hiddenSums (float32, zeroed first).
// Table-gradient rows get 16-byte vector atomics.
template <typename Operand>
__device__ __forceinline__ void sampled_log_sum_exp_backward(float *hiddenSums, float *tableGradient,
                                                             const float *logSumExp, const float *positive,
                                                             const Operand *hidden, const Operand *table,
                                                             const int *targets, const SampledNegativeIDs &source,
                                                             const float *logQ, int logQMode, float logNegatives,
                                                             int rows, int negatives, int rowsPerNegativeRow,
                                                             int dimension, long long tableRows, float scale,
                                                             float threshold, long long idsPerRange) {
    int r = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= rows) return;
    int target = targets[r];
    if (target == 0) return;
    int lane = threadIdx.x & 31, group = lane >> 3, member = lane & 7;
    long long low = (long long)blockIdx.y * idsPerRange, high = low + idsPerRange;
    float4 accumulated[SAMPLED_ROW_VECTORS], h[SAMPLED_ROW_VECTORS], e[SAMPLED_ROW_VECTORS];
#pragma unroll
    for (int q = 0; q < SAMPLED_ROW_VECTORS; q++) accumulated[q] = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    sampled_load_row(h, hidden + (long long)r * dimension, member, dimension);
    float lse = logSumExp[r];
    float positiveWeight = expf(positive[r] - lse) - 1.0f;
    if (group == 0 && target >= low && target < high && fabsf(positiveWeight) >= threshold && target < tableRows) {
        float *de = tableGradient + (long long)target * dimension;
        sampled_load_row(e, table + (long long)target * dimension, member, dimension);
        float w = scale * positiveWeight;
#pragma unroll
        for (int q = 0; q < SAMPLED_ROW_VECTORS; q++) {
            int c = 32 * q + 4 * member;
            if (c >= dimension) continue;
            accumulated[q] = make_float4(w * e[q].x, w * e[q].y, w * e[q].z, w * e[q].w);
            sampled_atomic_add4(de + c, make_float4(w * h[q].x, w * h[q].y, w * h[q].z, w * h[q].w));
        }
    }
    long long idRow = r / rowsPerNegativeRow, first = idRow * negatives;
    int idsPerLane = sampled_ids_per_lane(source);
    for (int k0 = 0; k0 < negatives; k0 += 32 * idsPerLane) {
        int laneIDs[SAMPLED_IDS_PER_LANE];
        sampled_lane_ids(laneIDs, source, idRow, negatives, k0, lane, true);
#pragma unroll
        for (int j = 0; j < SAMPLED_IDS_PER_LANE; j++) {
            if (j >= idsPerLane) break;
            int id = laneIDs[j];
            bool counts = id >= low && id < high && id > 0 && id < tableRows && id != target;
            unsigned pending = __ballot_sync(0xffffffffu, counts);
            while (pending != 0u) {
                int source = sampled_next_negative(pending, group);
                int negative = __shfl_sync(0xffffffffu, id, max(source, 0));
                bool scores = source >= 0;
                float dot = scores ? sampled_partial_dot(e, h, table + (long long)negative * dimension, member, dimension)
                                   : 0.0f;
                dot += __shfl_xor_sync(0xffffffffu, dot, 4);
                dot += __shfl_xor_sync(0xffffffffu, dot, 2);
                dot += __shfl_xor_sync(0xffffffffu, dot, 1);
                if (!scores) continue;
                long long slot = first + sampled_slot(k0, source, j, idsPerLane);
                float weight = expf(dot - sampled_log_q_shift(logQ, logQMode, logNegatives, slot, negative) - lse);
                if (weight < threshold) continue;
                float w = scale * weight;
                float *de = tableGradient + (long long)negative * dimension;
#pragma unroll
                for (int q = 0; q < SAMPLED_ROW_VECTORS; q++) {
                    int c = 32 * q + 4 * member;
                    if (c >= dimension) continue;
                    accumulated[q].x = fmaf(w, e[q].x, accumulated[q].x);
                    accumulated[q].y = fmaf(w, e[q].y, accumulated[q].y);
                    accumulated[q].z = fmaf(w, e[q].z, accumulated[q].z);
                    accumulated[q].w = fmaf(w, e[q].w, accumulated[q].w);
                    sampled_atomic_add4(de + c, make_float4(w * h[q].x, w * h[q].y, w * h[q].z, w * h[q].w));
                }
            }
        }
    }
#pragma unroll
    for (int q = 0; q < SAMPLED_ROW_VECTORS; q++)
        for (int offset = 8; offset < 32; offset <<= 1) {
            accumulated[q].x += __shfl_xor_sync(0xffffffffu, accumulated[q].x, offset);
            accumulated[q].y += __shfl_xor_sync(0xffffffffu, accumulated[q].y, offset);
            accumulated[q].z += __shfl_xor_sync(0xffffffffu, accumulated[q].z, offset);
            accumulated[q].w += __shfl_xor_sync(0xffffffffu, accumulated[q].w, offset);
        }
    if (group != 0) return;
    float *dh = hiddenSums + (long long)r * dimension;
#pragma unroll
    for (int q = 0; q < SAMPLED_ROW_VECTORS; q++) {
        int c = 32 * q + 4 * member;
        if (c < dimension) sampled_atomic_add4(dh + c, accumulated[q]);
    }
}

extern "C" __global__ void sampled_log_sum_exp_backward_f32(float *hiddenSums, float *tableGradient,
                                                            const float *logSumExp, const float *positive,
                                                            const float *hidden, const float *table,
                                                            const int *targets, const int *negativeIDs,
                                                            const unsigned *thresholds, const int *aliases, unsigned long long seed,
                                                            unsigned step, unsigned catalogSize, const float *logQ, int logQMode, float logNegatives,
                                                            int rows, int negatives, int rowsPerNegativeRow,
                                                            int dimension, long long tableRows, float scale,
                                                            float threshold, long long idsPerRange) {
    SampledNegativeIDs source = {negativeIDs, {seed, step, catalogSize, thresholds, aliases}};
    sampled_log_sum_exp_backward(hiddenSums, tableGradient, logSumExp, positive, hidden, table, targets, source,
                                 logQ, logQMode, logNegatives, rows, negatives, rowsPerNegativeRow, dimension,
                                 tableRows, scale, threshold, idsPerRange);
}

// Mixed precision: hidden and table bf16; hiddenSums, tableGradient, logSumExp, positive
// logits and log q float.
extern "C" __global__ void sampled_log_sum_exp_backward_bf16(float *hiddenSums, float *tableGradient,
                                                             const float *logSumExp, const float *positive,
                                                             const bf16 *hidden, const bf16 *table,
                                                             const int *targets, const int *negativeIDs,
                                                             const unsigned *thresholds, const int *aliases, unsigned long long seed,
                                                             unsigned step, unsigned catalogSize, const float *logQ, int logQMode, float logNegatives,
                                                             int rows, int negatives, int rowsPerNegativeRow,
                                                             int dimension, long long tableRows, float scale,
                                                             float threshold, long long idsPerRange) {
    SampledNegativeIDs source = {negativeIDs, {seed, step, catalogSize, thresholds, aliases}};
    sampled_log_sum_exp_backward(hiddenSums, tableGradient, logSumExp, positive, hidden, table, targets, source,
                                 logQ, logQMode, logNegatives, rows, negatives, rowsPerNegativeRow, dimension,
                                 tableRows, scale, threshold, idsPerRange);
}

// weights[r] = scale * (exp(positive[r] - logSumExp[r]) - 1), or 0 on padding rows and when
// its magnitude is below the threshold: the positive's share of the gradients, which the
// tiled passes leave to gathered_dot_backward_f32. Parallel layout: one thread per row.
extern "C" __global__ void sampled_positive_weights_f32(float *weights, const float *logSumExp,
                                                        const float *positive, const int *targets, int rows,
                                                        float scale, float threshold) {
    RECUT_FOR_EACH(r, rows) {
        float weight = expf(positive[r] - logSumExp[r]) - 1.0f;
        weights[r] = targets[r] != 0 && fabsf(weight) >= threshold ? scale * weight : 0.0f;
    }
}
