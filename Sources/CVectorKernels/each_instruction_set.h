// Compiles the kernel body named by KERNEL_BODY (a header, in quotes) once per instruction set,
// after vector_math.h, as functions suffixed _avx512, _avx2 and _sse2; RECUT_DISPATCH then calls
// the one the machine runs. Include it once per kernel file, with KERNEL_BODY defined.
#include "instruction_set.h"

RECUT_BEGIN_AVX512
#define LANES 16
#define NAME avx512
#include "vector_math.h"
#include KERNEL_BODY
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

RECUT_BEGIN_AVX2
#define LANES 8
#define NAME avx2
#include "vector_math.h"
#include KERNEL_BODY
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME
RECUT_END_TARGET

#define LANES 4
#define NAME sse2
#include "vector_math.h"
#include KERNEL_BODY
#undef VECTOR
#undef INTEGERS
#undef LANES
#undef NAME

// Calls function_avx512, _avx2 or _sse2 with the arguments, as the machine allows.
#define RECUT_DISPATCH(function, ...)                                                                 \
    switch (recut_instruction_set()) {                                                                \
    case AVX512F: function##_avx512(__VA_ARGS__); break;                                              \
    case AVX2_FMA: function##_avx2(__VA_ARGS__); break;                                               \
    default: function##_sse2(__VA_ARGS__);                                                            \
    }
