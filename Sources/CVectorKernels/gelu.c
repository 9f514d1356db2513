#include "instruction_set.h"
#include "vector_kernels.h"

RECUT_BEGIN_AVX512
#define LANES 16
#define NAME avx512
#include "vector_math.h"
#include "gelu_elements.h"
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

RECUT_BEGIN_AVX2
#define LANES 8
#define NAME avx2
#include "vector_math.h"
#include "gelu_elements.h"
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

#define LANES 4
#define NAME sse2
#include "vector_math.h"
#include "gelu_elements.h"

void recut_gelu_forward(float *output, const float *input, long count) {
    switch (recut_instruction_set()) {
    case AVX512F: gelu_forward_avx512(output, input, count); break;
    case AVX2_FMA: gelu_forward_avx2(output, input, count); break;
    default: gelu_forward_sse2(output, input, count);
    }
}

void recut_gelu_backward(float *input_gradient, const float *output_gradient, const float *input, long count) {
    switch (recut_instruction_set()) {
    case AVX512F: gelu_backward_avx512(input_gradient, output_gradient, input, count); break;
    case AVX2_FMA: gelu_backward_avx2(input_gradient, output_gradient, input, count); break;
    default: gelu_backward_sse2(input_gradient, output_gradient, input, count);
    }
}
