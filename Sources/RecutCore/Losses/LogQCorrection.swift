/// The log of the probability q with which the sampler drew each negative, for the
/// log-q correction of the sampled softmax.
///
/// With K negatives drawn from q, e^{p} + Σ_k e^{z_k} / (K q_k) is an unbiased estimate of
/// the full softmax denominator, so the sampled loss subtracts log K + log q_k from each
/// negative logit z_k (the positive is unchanged). Values are natural logarithms, in the
/// dtype of the per-row losses: the operands' dtype, float32 for bfloat16 operands.
public enum LogQCorrection: Sendable {
    /// log q per item id: a tensor [C + 1] (entry 0 unused), read at each negative's id.
    case perItem(Tensor)
    /// log q per drawn negative: a tensor with the same shape as the negative ids.
    case perNegative(Tensor)
}
