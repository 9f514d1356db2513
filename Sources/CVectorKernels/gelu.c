#include "vector_kernels.h"
#define KERNEL_BODY "gelu_elements.h"
#include "each_instruction_set.h"

void recut_gelu_forward(float *output, const float *input, long count) {
    RECUT_DISPATCH(gelu_forward, output, input, count)
}

void recut_gelu_backward(float *input_gradient, const float *output_gradient, const float *input, long count) {
    RECUT_DISPATCH(gelu_backward, input_gradient, output_gradient, input, count)
}
