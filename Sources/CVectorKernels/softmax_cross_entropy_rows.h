// The full softmax cross-entropy of rows, for one instruction set (see softmax_cross_entropy.c).
static void CAT(softmax_cross_entropy_, NAME)(float *losses, float *logits, const int *targets, long first_row,
                                              long end_row, long columns, long first_column, float scale) {
    for (long r = first_row; r < end_row; r++) {
        float *x = logits + r * columns;
        long target = targets[r];
        for (long c = 0; c < first_column; c++) x[c] = 0;
        if (target < first_column) {
            losses[r] = 0;
            for (long c = first_column; c < columns; c++) x[c] = 0;
            continue;
        }
        // The padding past the row is -infinity, whose exponential is 0.
        VECTOR maxima = (VECTOR){} - __builtin_inff();
        for (long c = first_column; c < columns; c += LANES)
            maxima = __builtin_elementwise_max(maxima, CAT(load_, NAME)(x + c, columns - c, -__builtin_inff()));
        float maximum = __builtin_reduce_max(maxima), target_logit = x[target];
        // x holds e^(x - max) after this pass, so that the gradient needs no second exponential.
        VECTOR sums = {};
        for (long c = first_column; c < columns; c += LANES) {
            VECTOR e = CAT(exponentials_, NAME)(CAT(load_, NAME)(x + c, columns - c, -__builtin_inff()) - maximum);
            sums += e;
            CAT(store_, NAME)(x + c, columns - c, e);
        }
        float sum = 0;
        for (int lane = 0; lane < LANES; lane++) sum += sums[lane];
        losses[r] = maximum + logf(sum) - target_logit;
        float factor = scale / sum;
        for (long c = first_column; c < columns; c += LANES)
            CAT(store_, NAME)(x + c, columns - c, CAT(load_, NAME)(x + c, columns - c, 0) * factor);
        x[target] -= scale;
    }
}
