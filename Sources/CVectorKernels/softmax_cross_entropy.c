#include "vector_kernels.h"
#include <math.h>
#define KERNEL_BODY "softmax_cross_entropy_rows.h"
#include "each_instruction_set.h"

void recut_softmax_cross_entropy(float *losses, float *logits, const int *targets, long first_row, long end_row,
                                 long columns, long first_column, float scale) {
    RECUT_DISPATCH(softmax_cross_entropy, losses, logits, targets, first_row, end_row, columns, first_column, scale)
}
