#include "instruction_set.h"
#include "vector_kernels.h"

// The kernels' e^x and erf(x) over arrays, so that tests can check them in every instruction set.
#define DEFINE_ARRAY_MATH                                                                                     \
    static void CAT(exponentials_array_, NAME)(float *output, const float *input, long count) {            \
        for (long i = 0; i < count; i += LANES)                                                               \
            CAT(store_, NAME)(output + i, count - i, CAT(exponentials_, NAME)(CAT(load_, NAME)(input + i, count - i, 0))); \
    }                                                                                                         \
    static void CAT(errors_array_, NAME)(float *output, const float *input, long count) {                  \
        for (long i = 0; i < count; i += LANES)                                                               \
            CAT(store_, NAME)(output + i, count - i, CAT(errors_, NAME)(CAT(load_, NAME)(input + i, count - i, 0))); \
    }

RECUT_BEGIN_AVX512
#define LANES 16
#define NAME avx512
#include "vector_math.h"
DEFINE_ARRAY_MATH
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

RECUT_BEGIN_AVX2
#define LANES 8
#define NAME avx2
#include "vector_math.h"
DEFINE_ARRAY_MATH
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

#define LANES 4
#define NAME sse2
#include "vector_math.h"
DEFINE_ARRAY_MATH

void recut_exponentials(float *output, const float *input, long count) {
    switch (recut_instruction_set()) {
    case AVX512F: exponentials_array_avx512(output, input, count); break;
    case AVX2_FMA: exponentials_array_avx2(output, input, count); break;
    default: exponentials_array_sse2(output, input, count);
    }
}

void recut_error_functions(float *output, const float *input, long count) {
    switch (recut_instruction_set()) {
    case AVX512F: errors_array_avx512(output, input, count); break;
    case AVX2_FMA: errors_array_avx2(output, input, count); break;
    default: errors_array_sse2(output, input, count);
    }
}
