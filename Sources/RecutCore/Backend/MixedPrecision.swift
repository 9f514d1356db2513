/// Which operands are bfloat16 when a model trains in mixed precision (`SASRec` with
/// bfloat16 activations), the combinations every backend accepts beside all-float32.
///
/// Master weights, their gradients, optimizer moments, the residual stream and its gradient,
/// layer-norm statistics, attention statistics and per-row losses stay float32; the operands
/// of matrix products and the activations between them are bfloat16:
///
/// | op | bfloat16 | float32 |
/// |---|---|---|
/// | batchedMatmul | a, b; output (activations) | output (weight gradients) |
/// | add | b | output, a |
/// | addBias | output | bias |
/// | biasBackward | outputGradient | biasGradient |
/// | layerNormForward | output | input, mean, rstd, weight, bias |
/// | layerNormBackward | outputGradient | the rest |
/// | attentionForward/Backward | qkv, output, qkvGradient, outputGradient | saved |
/// | gelu/relu forward and backward | all operands | |
/// | dropoutForward | output, input | |
/// | dropoutBackward | inputGradient; outputGradient (either) | outputGradient (either) |
/// | embeddingForward | table (either) | output; table (either) |
/// | copy | either side (casts) | either side |
/// | losses (`LossBackend`, `FusedLossBackend`) | hidden, table, hiddenGradient, materialised logits | tableGradient, losses, logSumExp, fused positiveLogits |
/// | gatheredDotForward/Backward | hidden, table, hiddenGradient; logits (either) | tableGradient; logits (either) |
///
/// A backend may accept more; the CPU backend accepts any float32/bfloat16 mix.
public enum MixedPrecision {
    /// The activation dtype for a model whose parameters are `parameterDType` under `precision`.
    public static func activationDType(parameters parameterDType: DType, precision: Precision) -> DType {
        precision == .bfloat16 && parameterDType == .float32 ? .bfloat16 : parameterDType
    }
}

/// The arithmetic a model trains in: `float32` throughout, or `bfloat16` activations and
/// matrix operands with float32 accumulation and float32 master weights.
public enum Precision: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case float32 = "fp32"
    case bfloat16 = "bf16"

    public var description: String { rawValue }
}
