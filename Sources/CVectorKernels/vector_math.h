// e^x and erf(x) on a vector of LANES floats, for the kernel being compiled (included once per
// instruction set by each_instruction_set.h, with LANES and NAME defined; defines VECTOR, exponentials_NAME, errors_NAME).
#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define VECTOR CAT(float_vector_, NAME)
#define INTEGERS CAT(int_vector_, NAME)

typedef float VECTOR __attribute__((vector_size(LANES * 4), aligned(4)));
typedef int INTEGERS __attribute__((vector_size(LANES * 4), aligned(4)));

static inline VECTOR CAT(select_, NAME)(INTEGERS mask, VECTOR yes, VECTOR no) {
    return (VECTOR)(((INTEGERS)yes & mask) | ((INTEGERS)no & ~mask));
}

// e^x = 2^n e^r with n = round(x / ln 2) and |r| <= ln 2 / 2, e^r by Cephes's expf polynomial
// (about 1 ulp); 2^n applied in two halves so that each is a normal float, down to the
// subnormals; 0 below -104, infinity above 88.72, NaN stays NaN.
static inline VECTOR CAT(exponentials_, NAME)(VECTOR x) {
    VECTOR clamped = __builtin_elementwise_min(__builtin_elementwise_max(x, (VECTOR){} - 104.0f), (VECTOR){} + 88.72f);
    const float magic = 12582912.0f;  // adding 1.5 * 2^23 rounds to an integer, kept in the low bits
    VECTOR shifted = clamped * 1.44269504f + magic;
    VECTOR n = shifted - magic;
    VECTOR r = clamped - n * 0.693359375f + n * 2.12194440e-4f;
    VECTOR p = r * 1.9875691500e-4f + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    INTEGERS power = (INTEGERS)shifted - (INTEGERS)((VECTOR){} + magic), half = power >> 1;
    VECTOR result = p * (VECTOR)((half + 127) << 23) * (VECTOR)((power - half + 127) << 23);
    result = CAT(select_, NAME)(x < -104.0f, (VECTOR){}, result);
    result = CAT(select_, NAME)(x > 88.72f, (VECTOR){} + __builtin_inff(), result);
    return CAT(select_, NAME)(x != x, x, result);
}

// erf(x) by Abramowitz and Stegun's 7.1.26 (absolute error below 1.5e-7, as PyTorch's
// vectorised CPU erf): 1 - t (a1 + t (a2 + ...)) e^(-x^2) with t = 1 / (1 + p |x|).
static inline VECTOR CAT(errors_, NAME)(VECTOR x) {
    VECTOR magnitude = __builtin_elementwise_abs(x);
    VECTOR t = 1.0f / (1.0f + 0.3275911f * magnitude);
    VECTOR p = t * 1.061405429f - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    VECTOR y = 1.0f - p * t * CAT(exponentials_, NAME)(-magnitude * magnitude);
    return CAT(select_, NAME)(x < 0, -y, CAT(select_, NAME)(x != x, x, y));
}

// LANES floats from p[0..<available] (at most LANES), `padding` past them; and the store back.
static inline VECTOR CAT(load_, NAME)(const float *p, long available, float padding) {
    if (available >= LANES) return *(const VECTOR *)p;
    VECTOR v = (VECTOR){} + padding;
    for (long i = 0; i < available; i++) v[i] = p[i];
    return v;
}

static inline void CAT(store_, NAME)(float *p, long available, VECTOR v) {
    if (available >= LANES) {
        *(VECTOR *)p = v;
        return;
    }
    for (long i = 0; i < available; i++) p[i] = v[i];
}
