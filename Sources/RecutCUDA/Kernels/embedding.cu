// Embedding gather and scatter-add. Parallel layout: one thread per (row, column) element.
#include "block_reduce.cuh"
#include "precision.cuh"

// Ids outside the table produce NaN rows, so that the error cannot pass unnoticed.
template <typename Output, typename Table>
__device__ void embedding_forward(Output *output, const int *ids, const Table *table, long long count, int dimension,
                                  long long tableRows) {
    RECUT_FOR_EACH(element, count * dimension) {
        long long row = element / dimension;
        int column = (int)(element - row * dimension);
        int id = ids[row];
        store_float(output, element,
                    id >= 0 && id < tableRows ? load_float(table, (long long)id * dimension + column)
                                              : __int_as_float(0x7fc00000));
    }
}

extern "C" __global__ void embedding_forward_f32(float *output, const int *ids, const float *table, long long count,
                                                 int dimension, long long tableRows) {
    embedding_forward(output, ids, table, count, dimension, tableRows);
}

// Mixed precision: output float32 (the residual stream), table bfloat16.
extern "C" __global__ void embedding_forward_bf16(float *output, const int *ids, const bf16 *table, long long count,
                                                  int dimension, long long tableRows) {
    embedding_forward(output, ids, table, count, dimension, tableRows);
}

// Mixed precision: output and table bfloat16 (gathered negatives of a bf16 item table).
extern "C" __global__ void embedding_forward_bf16_bf16(bf16 *output, const int *ids, const bf16 *table,
                                                       long long count, int dimension, long long tableRows) {
    embedding_forward(output, ids, table, count, dimension, tableRows);
}

// Repeated ids are summed with atomics; ids outside the table and the skipped id add nothing.
extern "C" __global__ void embedding_backward_f32(float *tableGradient, const float *outputGradient, const int *ids,
                                                  long long count, int dimension, long long tableRows,
                                                  int hasSkippedID, int skippedID) {
    RECUT_FOR_EACH(element, count * dimension) {
        long long row = element / dimension;
        int column = (int)(element - row * dimension);
        int id = ids[row];
        if ((hasSkippedID && id == skippedID) || id < 0 || id >= tableRows) continue;
        atomicAdd(tableGradient + (long long)id * dimension + column, outputGradient[element]);
    }
}
