// Empty: clang's CUDA wrapper includes it; the kernels need nothing from it.
