// The sampled losses over one positive and K negative logits per row: softmax
// cross-entropy (with an optional log-q correction) and sigmoid binary cross-entropy.
// Both overwrite the logits with their scaled gradient. Row r reads negative ids row
// r / rowsPerNegativeRow; a negative whose id is 0 or equals the row's target is excluded.
// Parallel layout: one block per row; threads stride over its K negatives.
#include "block_reduce.cuh"

// logQMode: 0 none, 1 per item (logQ[id]), 2 per negative (logQ[slot]).
__device__ __forceinline__ float log_q_shift(const float *logQ, int logQMode, float logNegatives, long long slot,
                                             int id) {
    if (logQMode == 0) return 0.0f;
    return logNegatives + (logQMode == 1 ? logQ[id] : logQ[slot]);
}

extern "C" __global__ void sampled_softmax_cross_entropy_f32(float *losses, float *positive, float *negative,
                                                             const int *targets, const int *negativeIDs,
                                                             const float *logQ, int logQMode, float logNegatives,
                                                             int rows, int negatives, int rowsPerNegativeRow,
                                                             float scale) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    int target = targets[r];
    float *z = negative + (long long)r * negatives;
    long long first = (long long)(r / rowsPerNegativeRow) * negatives;
    const int *ids = negativeIDs + first;
    if (target == 0) {
        for (int j = threadIdx.x; j < negatives; j += blockDim.x) z[j] = 0.0f;
        if (threadIdx.x == 0) { losses[r] = 0.0f; positive[r] = 0.0f; }
        return;
    }
    float p = positive[r];
    float maximum = p;
    for (int j = threadIdx.x; j < negatives; j += blockDim.x) {
        int id = ids[j];
        if (id != 0 && id != target) maximum = fmaxf(maximum, z[j] - log_q_shift(logQ, logQMode, logNegatives, first + j, id));
    }
    maximum = block_max(maximum, scratch);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < negatives; j += blockDim.x) {
        int id = ids[j];
        if (id != 0 && id != target) sum += expf(z[j] - log_q_shift(logQ, logQMode, logNegatives, first + j, id) - maximum);
    }
    sum = block_sum(sum, scratch) + expf(p - maximum);
    float logSumExp = maximum + logf(sum);
    for (int j = threadIdx.x; j < negatives; j += blockDim.x) {
        int id = ids[j];
        z[j] = id != 0 && id != target
            ? scale * expf(z[j] - log_q_shift(logQ, logQMode, logNegatives, first + j, id) - logSumExp)
            : 0.0f;
    }
    if (threadIdx.x == 0) {
        losses[r] = logSumExp - p;
        positive[r] = scale * (expf(p - logSumExp) - 1.0f);
    }
}

// log(1 + e^x) without overflow.
__device__ __forceinline__ float softplus(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

__device__ __forceinline__ float sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

extern "C" __global__ void sigmoid_binary_cross_entropy_f32(float *losses, float *positive, float *negative,
                                                            const int *targets, const int *negativeIDs, int rows,
                                                            int negatives, int rowsPerNegativeRow,
                                                            float positiveWeight, float scale) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    int target = targets[r];
    float *z = negative + (long long)r * negatives;
    const int *ids = negativeIDs + (long long)(r / rowsPerNegativeRow) * negatives;
    if (target == 0) {
        for (int j = threadIdx.x; j < negatives; j += blockDim.x) z[j] = 0.0f;
        if (threadIdx.x == 0) { losses[r] = 0.0f; positive[r] = 0.0f; }
        return;
    }
    float loss = 0.0f;
    for (int j = threadIdx.x; j < negatives; j += blockDim.x) {
        int id = ids[j];
        if (id != 0 && id != target) {
            float value = z[j];
            loss += softplus(value);
            z[j] = scale * sigmoid(value);
        } else {
            z[j] = 0.0f;
        }
    }
    loss = block_sum(loss, scratch);
    if (threadIdx.x == 0) {
        float p = positive[r];
        losses[r] = loss + positiveWeight * softplus(-p);
        positive[r] = scale * positiveWeight * (sigmoid(p) - 1.0f);
    }
}
