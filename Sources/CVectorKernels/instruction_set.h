#ifndef RECUT_INSTRUCTION_SET_H
#define RECUT_INSTRUCTION_SET_H

// The vector instructions a kernel may use, the widest the processor and system support at
// most (and at most the limit tests set); each kernel file compiles a version for each.
enum InstructionSet { SSE2, AVX2_FMA, AVX512F };
enum InstructionSet recut_instruction_set(void);

// Compiles the functions between the two for an instruction set (the file's other code keeps
// the baseline), so that one binary carries every version.
#define RECUT_BEGIN_AVX512 _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512dq\"))), apply_to = function)")
#define RECUT_BEGIN_AVX2 _Pragma("clang attribute push(__attribute__((target(\"avx2,fma\"))), apply_to = function)")
#define RECUT_END_TARGET _Pragma("clang attribute pop")

#endif
