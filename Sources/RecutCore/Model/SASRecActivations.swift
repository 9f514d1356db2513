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

    init(backend: any Backend, dtype: DType, rows: Int, sequences: Int, configuration: SASRecConfiguration) {
        let d = configuration.dimension, f = configuration.feedForwardDimension, L = configuration.maxLength
        func make(_ shape: [Int]) -> Tensor { backend.makeTensor(shape: shape, dtype: dtype) }
        norm1 = make([rows, d])
        norm1Mean = make([rows])
        norm1ReciprocalStandardDeviation = make([rows])
        qkv = make([rows, 3 * d])
        savedAttention = make([backend.attentionSavedCount(batch: sequences, length: L, heads: configuration.heads,
                                                           dimension: d)])
        attention = make([rows, d])
        middle = make([rows, d])
        norm2 = make([rows, d])
        norm2Mean = make([rows])
        norm2ReciprocalStandardDeviation = make([rows])
        hidden = make([rows, f])
        activated = make([rows, f])
    }
}

/// The scratch buffers of the backward pass, shared by all blocks.
struct BackwardScratch {
    /// The gradient of the residual stream [N, d].
    var residual: Tensor
    /// The gradient of a branch output before its dropout [N, d].
    var branch: Tensor
    /// The gradient of an attention output or of a layer norm output [N, d].
    var narrow: Tensor
    /// The gradient of the attention input projection [N, 3d].
    var qkv: Tensor
    /// The gradient of the feed-forward activations [N, F].
    var wide: Tensor

    init(backend: any Backend, dtype: DType, rows: Int, configuration: SASRecConfiguration) {
        let d = configuration.dimension, f = configuration.feedForwardDimension
        func make(_ shape: [Int]) -> Tensor { backend.makeTensor(shape: shape, dtype: dtype) }
        residual = make([rows, d])
        branch = make([rows, d])
        narrow = make([rows, d])
        qkv = make([rows, 3 * d])
        wide = make([rows, f])
    }
}
