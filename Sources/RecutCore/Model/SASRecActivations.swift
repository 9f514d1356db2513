/// The buffers one transformer block saves in forward for its backward, sized for the
/// largest batch.
struct BlockActivations {
    /// LayerNorm1 output, mean and rstd.
    var norm1: Tensor
    var norm1Mean: Tensor
    var norm1ReciprocalStandardDeviation: Tensor
    /// The attention input projection [N, 3d].
    var qkv: Tensor
    /// What the attention saves for its backward (the backend's choice; see
    /// `Backend.attentionSavedCount`).
    var savedAttention: Tensor
    /// The attention output before the output projection [N, d].
    var attention: Tensor
    /// The residual stream after the attention branch [N, d].
    var middle: Tensor
    /// LayerNorm2 output, mean and rstd.
    var norm2: Tensor
    var norm2Mean: Tensor
    var norm2ReciprocalStandardDeviation: Tensor
    /// The feed-forward pre-activation [N, F] (GELU's input).
    var hidden: Tensor
    /// GELU's output after dropout [N, F] (linear2's input).
    var activated: Tensor

    /// Buffers whose residual stream and statistics are `dtype` and whose matrix operands
    /// (layer-norm outputs, projections, attention and feed-forward activations) are `activationDType`.
    init(backend: any Backend, dtype: DType, activationDType: DType, rows: Int, sequences: Int,
         configuration: SASRecConfiguration) {
        let d = configuration.dimension, f = configuration.feedForwardDimension, L = configuration.maxLength
        func make(_ shape: [Int]) -> Tensor { backend.makeTensor(shape: shape, dtype: dtype) }
        func activation(_ shape: [Int]) -> Tensor { backend.makeTensor(shape: shape, dtype: activationDType) }
        norm1 = activation([rows, d])
        norm1Mean = make([rows])
        norm1ReciprocalStandardDeviation = make([rows])
        qkv = activation([rows, 3 * d])
        savedAttention = make([backend.attentionSavedCount(batch: sequences, length: L, heads: configuration.heads,
                                                           dimension: d)])
        attention = activation([rows, d])
        middle = make([rows, d])
        norm2 = activation([rows, d])
        norm2Mean = make([rows])
        norm2ReciprocalStandardDeviation = make([rows])
        hidden = activation([rows, f])
        activated = activation([rows, f])
    }
}

/// The scratch buffers shared by all blocks, beyond the block activations that backward
/// overwrites once it has read them (see `SASRec.backward`).
struct BackwardScratch {
    /// The gradient of the residual stream [N, d].
    var residual: Tensor
    /// A branch output in forward; the gradient of a branch output before its dropout in backward [N, d].
    var branch: Tensor
    /// The gradient of the attention input projection [N, 3d] when it does not fit in a block's
    /// feed-forward pre-activation buffer [N, F] (F < 3d); nil otherwise.
    var qkv: Tensor?

    /// The residual gradient is `dtype`; the gradients of matrix operands are `activationDType`.
    init(backend: any Backend, dtype: DType, activationDType: DType, rows: Int, configuration: SASRecConfiguration) {
        let d = configuration.dimension, f = configuration.feedForwardDimension
        func activation(_ shape: [Int]) -> Tensor { backend.makeTensor(shape: shape, dtype: activationDType) }
        residual = backend.makeTensor(shape: [rows, d], dtype: dtype)
        branch = activation([rows, d])
        qkv = f >= 3 * d ? nil : activation([rows, 3 * d])
    }
}
