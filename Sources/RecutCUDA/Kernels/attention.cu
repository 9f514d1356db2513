// Causal multi-head self-attention, probabilities stored [batch, heads, length, length] like
// the CPU op. qkv rows hold queries, keys and values side by side (row stride 3 * dimension),
// each split into `heads` contiguous heads. The dropout mask on the probabilities is indexed
// by position in the probabilities tensor and recomputed, never stored.
//
// Each kernel has an all-float32 variant (_f32) and a mixed one (_bf16: qkv, output and
// their gradients bfloat16, probabilities and row terms float32, as in RecutCore's
// MixedPrecision); both compute in float.
#include "block_reduce.cuh"
#include "dropout_mask.cuh"
#include "precision.cuh"

// Parallel layout: one block per (query row i, head h, sequence b); threads stride over the
// keys j <= i for the scores, then over the head's columns for the output.
// Dynamic shared memory: length + headSize floats.
template <typename T>
__device__ __forceinline__ void attention_forward(T *output, float *probabilities, const T *qkv, int length, int heads,
                                                  int dimension, double dropout, unsigned long long seed,
                                                  float keepScale, float scale) {
    extern __shared__ float shared[];
    __shared__ float scratch[32];
    int i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int headSize = dimension / heads;
    long long stride = 3LL * dimension;
    const T *query = qkv + ((long long)b * length + i) * stride + h * headSize;
    const T *keys = qkv + (long long)b * length * stride + dimension + h * headSize;
    const T *values = keys + dimension;
    float *weights = shared, *q = shared + length;
    for (int c = threadIdx.x; c < headSize; c += blockDim.x) q[c] = load_float(query, c);
    __syncthreads();
    float maximum = RECUT_NEGATIVE_INFINITY;
    for (int j = threadIdx.x; j <= i; j += blockDim.x) {
        const T *key = keys + (long long)j * stride;
        float score = 0;
        for (int c = 0; c < headSize; c++) score += q[c] * load_float(key, c);
        score *= scale;
        weights[j] = score;
        maximum = fmaxf(maximum, score);
    }
    maximum = block_max(maximum, scratch);
    float sum = 0;
    for (int j = threadIdx.x; j <= i; j += blockDim.x) {
        float e = expf(weights[j] - maximum);
        weights[j] = e;
        sum += e;
    }
    float inverse = 1.0f / block_sum(sum, scratch);
    long long rowIndex = (((long long)b * heads + h) * length + i) * length;
    for (int j = threadIdx.x; j < length; j += blockDim.x) {
        float p = j <= i ? weights[j] * inverse : 0.0f;
        probabilities[rowIndex + j] = p;
        if (dropout > 0) p = dropout_keeps(seed, rowIndex + j, dropout) ? p * keepScale : 0.0f;
        weights[j] = p;
    }
    __syncthreads();
    T *out = output + ((long long)b * length + i) * dimension + h * headSize;
    for (int c = threadIdx.x; c < headSize; c += blockDim.x) {
        float accumulator = 0;
        for (int j = 0; j <= i; j++) accumulator += weights[j] * load_float(values, (long long)j * stride + c);
        store_float(out, c, accumulator);
    }
}

extern "C" __global__ void attention_forward_f32(float *output, float *probabilities, const float *qkv, int length,
                                                 int heads, int dimension, double dropout,
                                                 unsigned long long seed, float keepScale, float scale) {
    attention_forward(output, probabilities, qkv, length, heads, dimension, dropout, seed, keepScale, scale);
}

// qkv and output bfloat16, probabilities float32.
extern "C" __global__ void attention_forward_bf16(bf16 *output, float *probabilities, const bf16 *qkv, int length,
                                                  int heads, int dimension, double dropout,
                                                  unsigned long long seed, float keepScale, float scale) {
    attention_forward(output, probabilities, qkv, length, heads, dimension, dropout, seed, keepScale, scale);
}

// Backward, pass 1 of 2: the query gradient and each row's term D_i = sum_j P_ij dP_ij.
// Parallel layout: one block per (query row i, head h, sequence b); threads stride over the
// keys j <= i, then over the head's columns. Dynamic shared memory: length + headSize floats.
template <typename T>
__device__ __forceinline__ void attention_backward_query(T *qkvGradient, float *rowTerms, const T *outputGradient,
                                                         const T *qkv, const float *probabilities, int length,
                                                         int heads, int dimension, double dropout,
                                                         unsigned long long seed, float keepScale, float scale) {
    extern __shared__ float shared[];
    __shared__ float scratch[32];
    int i = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int headSize = dimension / heads;
    long long stride = 3LL * dimension;
    const T *keys = qkv + (long long)b * length * stride + dimension + h * headSize;
    const T *values = keys + dimension;
    const T *dOut = outputGradient + ((long long)b * length + i) * dimension + h * headSize;
    long long rowIndex = (((long long)b * heads + h) * length + i) * length;
    const float *p = probabilities + rowIndex;
    float *scoreGradient = shared, *dO = shared + length;
    for (int c = threadIdx.x; c < headSize; c += blockDim.x) dO[c] = load_float(dOut, c);
    __syncthreads();
    float partial = 0;
    for (int j = threadIdx.x; j <= i; j += blockDim.x) {
        const T *value = values + (long long)j * stride;
        float dot = 0;
        for (int c = 0; c < headSize; c++) dot += dO[c] * load_float(value, c);
        bool kept = dropout > 0 ? dropout_keeps(seed, rowIndex + j, dropout) : true;
        float dP = kept ? dot * keepScale : 0.0f;
        scoreGradient[j] = dP;
        partial += p[j] * dP;
    }
    float rowTerm = block_sum(partial, scratch);
    for (int j = threadIdx.x; j <= i; j += blockDim.x) scoreGradient[j] = p[j] * (scoreGradient[j] - rowTerm);
    if (threadIdx.x == 0) rowTerms[((long long)b * heads + h) * length + i] = rowTerm;
    __syncthreads();
    T *dq = qkvGradient + ((long long)b * length + i) * stride + h * headSize;
    for (int c = threadIdx.x; c < headSize; c += blockDim.x) {
        float accumulator = 0;
        for (int j = 0; j <= i; j++) accumulator += scoreGradient[j] * load_float(keys, (long long)j * stride + c);
        store_float(dq, c, scale * accumulator);
    }
}

extern "C" __global__ void attention_backward_query_f32(float *qkvGradient, float *rowTerms,
                                                        const float *outputGradient, const float *qkv,
                                                        const float *probabilities, int length, int heads,
                                                        int dimension, double dropout, unsigned long long seed,
                                                        float keepScale, float scale) {
    attention_backward_query(qkvGradient, rowTerms, outputGradient, qkv, probabilities, length, heads, dimension,
                             dropout, seed, keepScale, scale);
}

// qkv, qkvGradient and outputGradient bfloat16, probabilities and row terms float32.
extern "C" __global__ void attention_backward_query_bf16(bf16 *qkvGradient, float *rowTerms,
                                                         const bf16 *outputGradient, const bf16 *qkv,
                                                         const float *probabilities, int length, int heads,
                                                         int dimension, double dropout, unsigned long long seed,
                                                         float keepScale, float scale) {
    attention_backward_query(qkvGradient, rowTerms, outputGradient, qkv, probabilities, length, heads, dimension,
                             dropout, seed, keepScale, scale);
}

// Backward, pass 2 of 2: the key and value gradients of key row j, from the rows i >= j.
// Parallel layout: one block per (key row j, head h, sequence b); threads stride over the
// queries i >= j, then over the head's columns. Dynamic shared memory: 2 * length + headSize floats.
template <typename T>
__device__ __forceinline__ void attention_backward_key(T *qkvGradient, const float *rowTerms, const T *outputGradient,
                                                       const T *qkv, const float *probabilities, int length,
                                                       int heads, int dimension, double dropout,
                                                       unsigned long long seed, float keepScale, float scale) {
    extern __shared__ float shared[];
    int j = blockIdx.x, h = blockIdx.y, b = blockIdx.z;
    int headSize = dimension / heads;
    long long stride = 3LL * dimension;
    const T *queries = qkv + (long long)b * length * stride + h * headSize;
    const T *value = queries + (long long)j * stride + 2 * dimension;
    const T *dOutBase = outputGradient + (long long)b * length * dimension + h * headSize;
    long long headIndex = ((long long)b * heads + h) * length;
    float *scoreGradient = shared, *weights = shared + length, *v = shared + 2 * length;
    for (int c = threadIdx.x; c < headSize; c += blockDim.x) v[c] = load_float(value, c);
    __syncthreads();
    for (int i = j + threadIdx.x; i < length; i += blockDim.x) {
        const T *dO = dOutBase + (long long)i * dimension;
        float dot = 0;
        for (int c = 0; c < headSize; c++) dot += load_float(dO, c) * v[c];
        long long index = (headIndex + i) * length + j;
        bool kept = dropout > 0 ? dropout_keeps(seed, index, dropout) : true;
        float p = probabilities[index];
        float dP = kept ? dot * keepScale : 0.0f;
        scoreGradient[i] = p * (dP - rowTerms[headIndex + i]);
        weights[i] = kept ? p * keepScale : 0.0f;
    }
    __syncthreads();
    T *dk = qkvGradient + ((long long)b * length + j) * stride + dimension + h * headSize;
    T *dv = dk + dimension;
    for (int c = threadIdx.x; c < headSize; c += blockDim.x) {
        float keyAccumulator = 0, valueAccumulator = 0;
        for (int i = j; i < length; i++) {
            keyAccumulator += scoreGradient[i] * load_float(queries, (long long)i * stride + c);
            valueAccumulator += weights[i] * load_float(dOutBase, (long long)i * dimension + c);
        }
        store_float(dk, c, scale * keyAccumulator);
        store_float(dv, c, valueAccumulator);
    }
}

extern "C" __global__ void attention_backward_key_f32(float *qkvGradient, const float *rowTerms,
                                                      const float *outputGradient, const float *qkv,
                                                      const float *probabilities, int length, int heads,
                                                      int dimension, double dropout, unsigned long long seed,
                                                      float keepScale, float scale) {
    attention_backward_key(qkvGradient, rowTerms, outputGradient, qkv, probabilities, length, heads, dimension,
                           dropout, seed, keepScale, scale);
}

// qkv, qkvGradient and outputGradient bfloat16, probabilities and row terms float32.
extern "C" __global__ void attention_backward_key_bf16(bf16 *qkvGradient, const float *rowTerms,
                                                       const bf16 *outputGradient, const bf16 *qkv,
                                                       const float *probabilities, int length, int heads,
                                                       int dimension, double dropout, unsigned long long seed,
                                                       float keepScale, float scale) {
    attention_backward_key(qkvGradient, rowTerms, outputGradient, qkv, probabilities, length, heads, dimension,
                           dropout, seed, keepScale, scale);
}
