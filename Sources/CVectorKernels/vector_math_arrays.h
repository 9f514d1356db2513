// The kernels' e^x and erf(x) over arrays, for one instruction set (see vector_math.c).
static void CAT(exponentials_array_, NAME)(float *output, const float *input, long count) {
    for (long i = 0; i < count; i += LANES)
        CAT(store_, NAME)(output + i, count - i, CAT(exponentials_, NAME)(CAT(load_, NAME)(input + i, count - i, 0)));
}

static void CAT(errors_array_, NAME)(float *output, const float *input, long count) {
    for (long i = 0; i < count; i += LANES)
        CAT(store_, NAME)(output + i, count - i, CAT(errors_, NAME)(CAT(load_, NAME)(input + i, count - i, 0)));
}
