// The kernels' e^x and erf(x) over arrays, so that tests can check them in every instruction set.
#include "vector_kernels.h"
#define KERNEL_BODY "vector_math_arrays.h"
#include "each_instruction_set.h"

void recut_exponentials(float *output, const float *input, long count) {
    RECUT_DISPATCH(exponentials_array, output, input, count)
}

void recut_error_functions(float *output, const float *input, long count) {
    RECUT_DISPATCH(errors_array, output, input, count)
}
