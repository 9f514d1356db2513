#include "vector_kernels.h"
#define KERNEL_BODY "dropout_elements.h"
#include "each_instruction_set.h"

void recut_dropout(float *output, const float *input, long first, long count, unsigned long long seed,
                   unsigned long long threshold, float keep_scale) {
    RECUT_DISPATCH(dropout, output, input, first, count, seed, threshold, keep_scale)
}
