#include "instruction_set.h"
#include "vector_kernels.h"

RECUT_BEGIN_AVX512
#define LANES 16
#define NAME avx512
#include "vector_math.h"
#include "dropout_elements.h"
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

RECUT_BEGIN_AVX2
#define LANES 8
#define NAME avx2
#include "vector_math.h"
#include "dropout_elements.h"
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

#define LANES 4
#define NAME sse2
#include "vector_math.h"
#include "dropout_elements.h"

void recut_dropout(float *output, const float *input, long first, long count, unsigned long long seed,
                   unsigned long long threshold, float keep_scale) {
    switch (recut_instruction_set()) {
    case AVX512F: dropout_avx512(output, input, first, count, seed, threshold, keep_scale); break;
    case AVX2_FMA: dropout_avx2(output, input, first, count, seed, threshold, keep_scale); break;
    default: dropout_sse2(output, input, first, count, seed, threshold, keep_scale);
    }
}
