#include "instruction_set.h"
#include "vector_kernels.h"
#include <math.h>

RECUT_BEGIN_AVX512
#define LANES 16
#define NAME avx512
#include "vector_math.h"
#include "softmax_cross_entropy_rows.h"
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

RECUT_BEGIN_AVX2
#define LANES 8
#define NAME avx2
#include "vector_math.h"
#include "softmax_cross_entropy_rows.h"
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

#define LANES 4
#define NAME sse2
#include "vector_math.h"
#include "softmax_cross_entropy_rows.h"

void recut_softmax_cross_entropy(float *losses, float *logits, const int *targets, long first_row, long end_row,
                                 long columns, long first_column, float scale) {
    switch (recut_instruction_set()) {
    case AVX512F:
        softmax_cross_entropy_avx512(losses, logits, targets, first_row, end_row, columns, first_column, scale);
        break;
    case AVX2_FMA:
        softmax_cross_entropy_avx2(losses, logits, targets, first_row, end_row, columns, first_column, scale);
        break;
    default:
        softmax_cross_entropy_sse2(losses, logits, targets, first_row, end_row, columns, first_column, scale);
    }
}
