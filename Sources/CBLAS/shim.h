// OpenBLAS's C interface (cblas_sgemm, cblas_dgemm, openblas_set_num_threads).
#include <cblas.h>
