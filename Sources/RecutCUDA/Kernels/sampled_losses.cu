// The sampled losses over one positive and K negative logits per row: softmax
// cross-entropy (with an optional log-q correction) and sigmoid binary cross-entropy.
// Both overwrite the logits with their scaled gradient. Row r reads negative ids row
// r / rowsPerNegativeRow; a negative whose id is 0 or equals the row's target is excluded.
// Parallel layout: one block per row; threads stride over its K negatives. The logits are
// float or bf16 (precision.cuh); losses and log q are float.
#include "block_reduce.cuh"
#include "precision.cuh"

// logQMode: 0 none, 1 per item (logQ[id]), 2 per negative (logQ[slot]).
__device__ __forceinline__ float log_q_shift(const float *logQ, int logQMode, float logNegatives, long long slot,
                                             int id) {
    if (logQMode == 0) return 0.0f;
    return logNegatives + (logQMode == 1 ? logQ[id] : logQ[slot]);
}

template <typename Logit>
__device__ __forceinline__ void sampled_softmax_cross_entropy(float *losses, Logit *positive, Logit *negative,
                                                              const int *targets, const int *negativeIDs,
                                                              const float *logQ, int logQMode, float logNegatives,
                                                              int rows, int negatives, int rowsPerNegativeRow,
                                                              float scale) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    int target = targets[r];
    Logit *z = negative + (long long)r * negatives;
    long long first = (long long)(r / rowsPerNegativeRow) * negatives;
    const int *ids = negativeIDs + first;
    if (target == 0) {
        for (int j = threadIdx.x; j < negatives; j += blockDim.x) store_float(z, j, 0.0f);
        if (threadIdx.x == 0) { losses[r] = 0.0f; store_float(positive, r, 0.0f); }
        return;
    }
    float p = load_float(positive, r);
    float maximum = p;
    for (int j = threadIdx.x; j < negatives; j += blockDim.x) {
        int id = ids[j];
        if (id != 0 && id != target)
            maximum = fmaxf(maximum, load_float(z, j) - log_q_shift(logQ, logQMode, logNegatives, first + j, id));
    }
    maximum = block_max(maximum, scratch);
    float sum = 0.0f;
    for (int j = threadIdx.x; j < negatives; j += blockDim.x) {
        int id = ids[j];
        if (id != 0 && id != target)
            sum += expf(load_float(z, j) - log_q_shift(logQ, logQMode, logNegatives, first + j, id) - maximum);
    }
    sum = block_sum(sum, scratch) + expf(p - maximum);
    float logSumExp = maximum + logf(sum);
    for (int j = threadIdx.x; j < negatives; j += blockDim.x) {
        int id = ids[j];
        store_float(z, j, id != 0 && id != target
            ? scale * expf(load_float(z, j) - log_q_shift(logQ, logQMode, logNegatives, first + j, id) - logSumExp)
            : 0.0f);
    }
    if (threadIdx.x == 0) {
        losses[r] = logSumExp - p;
        store_float(positive, r, scale * (expf(p - logSumExp) - 1.0f));
    }
}

extern "C" __global__ void sampled_softmax_cross_entropy_f32(float *losses, float *positive, float *negative,
                                                             const int *targets, const int *negativeIDs,
                                                             const float *logQ, int logQMode, float logNegatives,
                                                             int rows, int negatives, int rowsPerNegativeRow,
                                                             float scale) {
    sampled_softmax_cross_entropy(losses, positive, negative, targets, negativeIDs, logQ, logQMode, logNegatives,
                                  rows, negatives, rowsPerNegativeRow, scale);
}

// Mixed precision: positive and negative logits (and their gradients) bf16; losses and log q float.
extern "C" __global__ void sampled_softmax_cross_entropy_bf16(float *losses, bf16 *positive, bf16 *negative,
                                                              const int *targets, const int *negativeIDs,
                                                              const float *logQ, int logQMode, float logNegatives,
                                                              int rows, int negatives, int rowsPerNegativeRow,
                                                              float scale) {
    sampled_softmax_cross_entropy(losses, positive, negative, targets, negativeIDs, logQ, logQMode, logNegatives,
                                  rows, negatives, rowsPerNegativeRow, scale);
}

// log(1 + e^x) without overflow.
__device__ __forceinline__ float softplus(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

__device__ __forceinline__ float sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    float e = expf(x);
    return e / (1.0f + e);
}

template <typename Logit>
__device__ __forceinline__ void sigmoid_binary_cross_entropy(float *losses, Logit *positive, Logit *negative,
                                                             const int *targets, const int *negativeIDs, int rows,
                                                             int negatives, int rowsPerNegativeRow,
                                                             float positiveWeight, float scale) {
    __shared__ float scratch[32];
    int r = blockIdx.x;
    int target = targets[r];
    Logit *z = negative + (long long)r * negatives;
    const int *ids = negativeIDs + (long long)(r / rowsPerNegativeRow) * negatives;
    if (target == 0) {
        for (int j = threadIdx.x; j < negatives; j += blockDim.x) store_float(z, j, 0.0f);
        if (threadIdx.x == 0) { losses[r] = 0.0f; store_float(positive, r, 0.0f); }
        return;
    }
    float loss = 0.0f;
    for (int j = threadIdx.x; j < negatives; j += blockDim.x) {
        int id = ids[j];
        if (id != 0 && id != target) {
            float value = load_float(z, j);
            loss += softplus(value);
            store_float(z, j, scale * sigmoid(value));
        } else {
            store_float(z, j, 0.0f);
        }
    }
    loss = block_sum(loss, scratch);
    if (threadIdx.x == 0) {
        float p = load_float(positive, r);
        losses[r] = loss + positiveWeight * softplus(-p);
        store_float(positive, r, scale * positiveWeight * (sigmoid(p) - 1.0f));
    }
}

extern "C" __global__ void sigmoid_binary_cross_entropy_f32(float *losses, float *positive, float *negative,
                                                            const int *targets, const int *negativeIDs, int rows,
                                                            int negatives, int rowsPerNegativeRow,
                                                            float positiveWeight, float scale) {
    sigmoid_binary_cross_entropy(losses, positive, negative, targets, negativeIDs, rows, negatives,
                                 rowsPerNegativeRow, positiveWeight, scale);
}

// Mixed precision: positive and negative logits (and their gradients) bf16; losses float.
extern "C" __global__ void sigmoid_binary_cross_entropy_bf16(float *losses, bf16 *positive, bf16 *negative,
                                                             const int *targets, const int *negativeIDs, int rows,
                                                             int negatives, int rowsPerNegativeRow,
                                                             float positiveWeight, float scale) {
    sigmoid_binary_cross_entropy(losses, positive, negative, targets, negativeIDs, rows, negatives,
                                 rowsPerNegativeRow, positiveWeight, scale);
}
