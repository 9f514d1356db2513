// One blocked product, included once per element type and instruction set with these defined:
//   T      the element type (float or double)
//   LANES  elements per vector register of the instruction set
//   MR     rows of the register tile (MR x 2 vectors of accumulators stay in registers)
//   NAME   the suffix of the functions defined
// The scheme is BLIS's: panels of op(b) (KC x NC) and op(a) (MC x KC) are packed so that the
// micro-kernel reads both contiguously, the transposes resolved while packing and the edges
// padded with zeros; the micro-kernel accumulates an MR x NR tile over the panel's depth.
#define NR (2 * LANES)
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VECTOR CAT(vector_, NAME)

typedef T VECTOR __attribute__((vector_size(LANES * sizeof(T)), aligned(sizeof(T))));

// Row strips of MR: strip s holds, for each depth q, its MR values (zero past the last row).
static void CAT(pack_a_, NAME)(const T *a, long lda, int transposed, long first_row, long rows, long first_depth,
                               long depth, T *packed) {
    for (long strip = 0; strip < rows; strip += MR) {
        long height = rows - strip < MR ? rows - strip : MR;
        for (long q = 0; q < depth; q++, packed += MR) {
            for (long i = 0; i < MR; i++) {
                long row = first_row + strip + i, column = first_depth + q;
                packed[i] = i >= height ? 0 : transposed ? a[column * lda + row] : a[row * lda + column];
            }
        }
    }
}

// Column strips of NR: strip s holds, for each depth q, its NR values (zero past the last column).
static void CAT(pack_b_, NAME)(const T *b, long ldb, int transposed, long first_column, long columns,
                               long first_depth, long depth, T *packed) {
    for (long strip = 0; strip < columns; strip += NR) {
        long width = columns - strip < NR ? columns - strip : NR;
        if (!transposed) {
            for (long q = 0; q < depth; q++, packed += NR) {
                const T *source = b + (first_depth + q) * ldb + first_column + strip;
                for (long j = 0; j < NR; j++) packed[j] = j < width ? source[j] : 0;
            }
        } else {
            for (long j = 0; j < NR; j++) {
                const T *source = b + (first_column + strip + j) * ldb + first_depth;
                for (long q = 0; q < depth; q++) packed[q * NR + j] = j < width ? source[q] : 0;
            }
            packed += depth * NR;
        }
    }
}

// c[0..<rows, 0..<columns] (at most MR x NR) = alpha * the tile + (accumulate ? c : beta * c).
static inline void CAT(micro_kernel_, NAME)(long depth, const T *a, const T *b, T *c, long ldc, long rows,
                                            long columns, T alpha, T beta, int accumulate) {
    VECTOR sums[MR][2];
    for (int i = 0; i < MR; i++) sums[i][0] = sums[i][1] = (VECTOR){0};
    for (long q = 0; q < depth; q++, a += MR, b += NR) {
        VECTOR left = *(const VECTOR *)b, right = *(const VECTOR *)(b + LANES);
        for (int i = 0; i < MR; i++) {
            sums[i][0] += a[i] * left;
            sums[i][1] += a[i] * right;
        }
    }
    T scale = accumulate ? 1 : beta;
    if (rows == MR && columns == NR) {
        for (int i = 0; i < MR; i++) {
            VECTOR *line = (VECTOR *)(c + i * ldc);
            for (int half = 0; half < 2; half++) {
                VECTOR product = alpha * sums[i][half];
                line[half] = scale == 0 ? product : scale * line[half] + product;
            }
        }
        return;
    }
    for (long i = 0; i < rows; i++) {
        for (long j = 0; j < columns; j++) {
            T product = alpha * sums[i][j / LANES][j % LANES];
            c[i * ldc + j] = scale == 0 ? product : scale * c[i * ldc + j] + product;
        }
    }
}

static void CAT(gemm_, NAME)(int transpose_a, int transpose_b, long m, long n, long k, T alpha, const T *a, long lda,
                             const T *b, long ldb, T beta, T *c, long ldc, T *packed_a, T *packed_b) {
    for (long first_column = 0; first_column < n; first_column += NC) {
        long columns = n - first_column < NC ? n - first_column : NC;
        for (long first_depth = 0; first_depth < k; first_depth += KC) {
            long depth = k - first_depth < KC ? k - first_depth : KC;
            CAT(pack_b_, NAME)(b, ldb, transpose_b, first_column, columns, first_depth, depth, packed_b);
            for (long first_row = 0; first_row < m; first_row += MC) {
                long rows = m - first_row < MC ? m - first_row : MC;
                CAT(pack_a_, NAME)(a, lda, transpose_a, first_row, rows, first_depth, depth, packed_a);
                for (long strip = 0; strip < columns; strip += NR) {
                    for (long row = 0; row < rows; row += MR) {
                        CAT(micro_kernel_, NAME)(depth, packed_a + row * depth, packed_b + strip * depth,
                                                 c + (first_row + row) * ldc + first_column + strip, ldc,
                                                 rows - row < MR ? rows - row : MR,
                                                 columns - strip < NR ? columns - strip : NR,
                                                 alpha, beta, first_depth > 0);
                    }
                }
            }
        }
    }
}

#undef NR
#undef VECTOR
