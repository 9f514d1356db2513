// GELU and its derivative on elements, for one instruction set (see gelu.c).
static void CAT(gelu_forward_, NAME)(float *output, const float *input, long count) {
    for (long i = 0; i < count; i += LANES) {
        VECTOR x = CAT(load_, NAME)(input + i, count - i, 0);
        CAT(store_, NAME)(output + i, count - i, 0.5f * x * (1.0f + CAT(errors_, NAME)(x * 0.70710678118654752f)));
    }
}

// GELU'(x) = Phi(x) + x phi(x), with Phi the normal CDF and phi its density.
static void CAT(gelu_backward_, NAME)(float *input_gradient, const float *output_gradient, const float *input,
                                      long count) {
    for (long i = 0; i < count; i += LANES) {
        VECTOR x = CAT(load_, NAME)(input + i, count - i, 0);
        VECTOR cdf = 0.5f * (1.0f + CAT(errors_, NAME)(x * 0.70710678118654752f));
        VECTOR density = 0.39894228040143268f * CAT(exponentials_, NAME)(-0.5f * x * x);
        VECTOR gradient = CAT(load_, NAME)(output_gradient + i, count - i, 0) * (cdf + x * density);
        CAT(store_, NAME)(input_gradient + i, count - i, gradient);
    }
}
