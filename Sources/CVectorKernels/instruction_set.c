#include "instruction_set.h"
#include "vector_kernels.h"
#include <cpuid.h>

// CPUID says what the processor has; XGETBV says whether the system saves the wider registers.
static enum InstructionSet detect(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return SSE2;
    int has_fma = (ecx >> 12) & 1, has_osxsave = (ecx >> 27) & 1, has_avx = (ecx >> 28) & 1;
    if (!has_osxsave || !has_avx) return SSE2;
    unsigned xcr0_low, xcr0_high;
    __asm__("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 0x6) != 0x6) return SSE2;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return SSE2;
    int has_avx2 = (ebx >> 5) & 1, has_avx512f = (ebx >> 16) & 1, has_avx512dq = (ebx >> 17) & 1;
    if (has_avx512f && has_avx512dq && (xcr0_low & 0xE0) == 0xE0) return AVX512F;
    return has_avx2 && has_fma ? AVX2_FMA : SSE2;
}

static int limit = AVX512F;

void recut_limit_instruction_set(int level) { limit = level; }

enum InstructionSet recut_instruction_set(void) {
    static int detected = -1;
    if (detected < 0) detected = detect();  // a race only computes the same value twice
    return (enum InstructionSet)(detected < limit ? detected : limit);
}

const char *recut_instruction_set_name(void) {
    switch (recut_instruction_set()) {
    case AVX512F: return "avx512f";
    case AVX2_FMA: return "avx2+fma";
    default: return "sse2";
    }
}
