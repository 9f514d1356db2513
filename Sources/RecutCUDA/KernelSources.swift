/// A CUDA C source file embedded in the binary from Sources/RecutCUDA/Kernels.
public struct KernelSource: Sendable, Hashable {
    /// The file name ("attention.cu", "block_reduce.cuh").
    public let name: String
    /// The file's text.
    public let text: String

    /// A source named `name` holding `text`.
    public init(name: String, text: String) {
        self.name = name
        self.text = text
    }
}

/// The kernel sources and the headers they include, embedded at build time by SwiftPM.
///
/// Keeping kernels as .cu files (rather than Swift strings) lets editors, nvcc and
/// compute-sanitizer read them; embedding keeps the binary self-contained.
public enum KernelSources {
    /// Every compilable kernel file, by file name.
    public static let files: [String: KernelSource] = Dictionary(uniqueKeysWithValues: [
        source("activations.cu", PackageResources.activations_cu),
        source("adamw.cu", PackageResources.adamw_cu),
        source("attention.cu", PackageResources.attention_cu),
        source("bias.cu", PackageResources.bias_cu),
        source("dropout.cu", PackageResources.dropout_cu),
        source("elementwise.cu", PackageResources.elementwise_cu),
        source("embedding.cu", PackageResources.embedding_cu),
        source("flash_attention.cu", PackageResources.flash_attention_cu),
        source("flash_attention_mma.cu", PackageResources.flash_attention_mma_cu),
        source("full_ranking.cu", PackageResources.full_ranking_cu),
        source("gathered_dot.cu", PackageResources.gathered_dot_cu),
        source("layer_norm.cu", PackageResources.layer_norm_cu),
        source("loss_reductions.cu", PackageResources.loss_reductions_cu),
        source("negative_sampling.cu", PackageResources.negative_sampling_cu),
        source("row_reductions.cu", PackageResources.row_reductions_cu),
        source("sampled_log_sum_exp_backward.cu", PackageResources.sampled_log_sum_exp_backward_cu),
        source("sampled_log_sum_exp_forward.cu", PackageResources.sampled_log_sum_exp_forward_cu),
        source("sampled_losses.cu", PackageResources.sampled_losses_cu),
        source("softmax_cross_entropy.cu", PackageResources.softmax_cross_entropy_cu),
        source("step_gate.cu", PackageResources.step_gate_cu),
        source("tiled_log_sum_exp_backward.cu", PackageResources.tiled_log_sum_exp_backward_cu),
        source("tiled_log_sum_exp_forward.cu", PackageResources.tiled_log_sum_exp_forward_cu),
    ].map { ($0.name, $0) })

    /// The headers every kernel file may include, passed to NVRTC by name.
    public static let headers: [KernelSource] = [
        source("block_reduce.cuh", PackageResources.block_reduce_cuh),
        source("dropout_mask.cuh", PackageResources.dropout_mask_cuh),
        source("elementwise_map.cuh", PackageResources.elementwise_map_cuh),
        source("fused_tiles.cuh", PackageResources.fused_tiles_cuh),
        source("fused_row_blocks.cuh", PackageResources.fused_row_blocks_cuh),
        source("fused_tiles_bf16.cuh", PackageResources.fused_tiles_bf16_cuh),
        source("negative_draws.cuh", PackageResources.negative_draws_cuh),
        source("precision.cuh", PackageResources.precision_cuh),
        source("sampled_rows.cuh", PackageResources.sampled_rows_cuh),
    ]

    private static func source(_ name: String, _ bytes: [UInt8]) -> KernelSource {
        KernelSource(name: name, text: String(decoding: bytes, as: UTF8.self))
    }
}

/// Every kernel the backend launches, with the file that defines it.
enum Kernel: String, CaseIterable {
    case add = "add_f32"
    case addScaled = "add_scaled_f32"
    case scale = "scale_f32"
    case sumOfSquaresPartials = "sum_of_squares_partials_f32"
    case fill64 = "fill_u64"
    case convertToDouble = "convert_f32_to_f64"
    case convertToFloat = "convert_f64_to_f32"
    case fill16 = "fill_u16"
    case convertFloatToBFloat16 = "convert_f32_to_bf16"
    case convertBFloat16ToFloat = "convert_bf16_to_f32"
    case geluForward = "gelu_forward_f32"
    case geluBackward = "gelu_backward_f32"
    case reluForward = "relu_forward_f32"
    case reluBackward = "relu_backward_f32"
    case dropout = "dropout_f32"
    case embeddingForward = "embedding_forward_f32"
    case embeddingBackward = "embedding_backward_f32"
    case layerNormForward = "layer_norm_forward_f32"
    case layerNormBackwardInput = "layer_norm_backward_input_f32"
    case layerNormBackwardParameters = "layer_norm_backward_parameters_f32"
    case addBias = "add_bias_f32"
    case biasBackward = "bias_backward_f32"
    // Mixed-precision variants of the kernels above, with the operand dtypes of `MixedPrecision`.
    case addBFloat16 = "add_bf16"
    case geluForwardBFloat16 = "gelu_forward_bf16"
    case geluBackwardBFloat16 = "gelu_backward_bf16"
    case reluForwardBFloat16 = "relu_forward_bf16"
    case reluBackwardBFloat16 = "relu_backward_bf16"
    case dropoutBFloat16 = "dropout_bf16"
    case dropoutFloatToBFloat16 = "dropout_f32_to_bf16"
    case embeddingForwardBFloat16 = "embedding_forward_bf16"
    case embeddingForwardBFloat16ToBFloat16 = "embedding_forward_bf16_bf16"
    case layerNormForwardBFloat16 = "layer_norm_forward_bf16"
    case layerNormBackwardInputBFloat16 = "layer_norm_backward_input_bf16"
    case layerNormBackwardParametersBFloat16 = "layer_norm_backward_parameters_bf16"
    case addBiasBFloat16 = "add_bias_bf16"
    case biasBackwardBFloat16 = "bias_backward_bf16"
    case softmaxRows = "softmax_rows_f32"
    case logSumExpRows = "log_sum_exp_rows_f32"
    case attentionForward = "attention_forward_f32"
    case attentionBackwardQuery = "attention_backward_query_f32"
    case attentionBackwardKey = "attention_backward_key_f32"
    case flashAttentionForward = "flash_attention_forward_f32"
    case flashAttentionBackwardQuery = "flash_attention_backward_query_f32"
    case flashAttentionBackwardKey = "flash_attention_backward_key_f32"
    case attentionForwardBFloat16 = "attention_forward_bf16"
    case attentionBackwardQueryBFloat16 = "attention_backward_query_bf16"
    case attentionBackwardKeyBFloat16 = "attention_backward_key_bf16"
    case flashAttentionForwardBFloat16 = "flash_attention_forward_bf16"
    case flashAttentionBackwardQueryBFloat16 = "flash_attention_backward_query_bf16"
    case flashAttentionBackwardKeyBFloat16 = "flash_attention_backward_key_bf16"
    // Tensor-core variants of the three above for heads of exactly 64 (same operand dtypes).
    case flashAttentionForwardMMA = "flash_attention_mma_forward_bf16"
    case flashAttentionBackwardQueryMMA = "flash_attention_mma_backward_query_bf16"
    case flashAttentionBackwardKeyMMA = "flash_attention_mma_backward_key_bf16"
    case adamW = "adamw_f32"
    case softmaxCrossEntropy = "softmax_cross_entropy_f32"
    case sampledSoftmaxCrossEntropy = "sampled_softmax_cross_entropy_f32"
    case sigmoidBinaryCrossEntropy = "sigmoid_binary_cross_entropy_f32"
    case gatheredDotForward = "gathered_dot_forward_f32"
    case gatheredDotBackward = "gathered_dot_backward_f32"
    // Mixed precision (MixedPrecision's table): bfloat16 logits, hidden states and table.
    case softmaxCrossEntropyBFloat16 = "softmax_cross_entropy_bf16"
    case sampledSoftmaxCrossEntropyBFloat16 = "sampled_softmax_cross_entropy_bf16"
    case sigmoidBinaryCrossEntropyBFloat16 = "sigmoid_binary_cross_entropy_bf16"
    case gatheredDotForwardBFloat16 = "gathered_dot_forward_bf16"
    case gatheredDotForwardBFloat16FloatLogits = "gathered_dot_forward_bf16_f32_logits"
    case gatheredDotBackwardBFloat16 = "gathered_dot_backward_bf16"
    case gatheredDotBackwardBFloat16FloatLogits = "gathered_dot_backward_bf16_f32_logits"
    case countNonzero = "count_nonzero_i32"
    case accumulateSum = "accumulate_sum_f32"
    case clearGateIfNonFinite = "clear_gate_if_non_finite_f32"
    case clearGateIfNonFiniteDouble = "clear_gate_if_non_finite_f64"
    case commitGated = "commit_gated_f64"
    case sampleNegatives = "sample_negatives"
    case markNegativeTargets = "mark_negative_targets"
    case fullRankingReset = "full_ranking_reset"
    case fullRankingMark = "full_ranking_mark"
    case fullRankingSelect = "full_ranking_select_f32"
    case fullRankingMerge = "full_ranking_merge"
    case fullRankingItems = "full_ranking_items"
    case sampledLogSumExpForward = "sampled_log_sum_exp_forward_f32"
    case sampledLogSumExpBackward = "sampled_log_sum_exp_backward_f32"
    case sampledPositiveWeights = "sampled_positive_weights_f32"
    case sampledLogSumExpForwardBFloat16 = "sampled_log_sum_exp_forward_bf16"
    case sampledLogSumExpBackwardBFloat16 = "sampled_log_sum_exp_backward_bf16"
    case tiledLogSumExpPartials = "tiled_log_sum_exp_partials_f32"
    case logSumExpCombine = "log_sum_exp_combine_f32"
    case tiledHiddenGradient = "tiled_hidden_gradient_f32"
    case tiledTableGradient = "tiled_table_gradient_f32"
    // Hidden, table and hidden gradient bfloat16; partials, log-sum-exp and table gradient float32.
    case tiledLogSumExpPartialsBFloat16 = "tiled_log_sum_exp_partials_bf16"
    case tiledHiddenGradientBFloat16 = "tiled_hidden_gradient_bf16"
    case tiledTableGradientBFloat16 = "tiled_table_gradient_bf16"
    // The same for d <= 64: registers and shared tiles sized for 64 dimensions.
    case tiledLogSumExpPartialsBFloat16D64 = "tiled_log_sum_exp_partials_bf16_d64"
    case tiledHiddenGradientBFloat16D64 = "tiled_hidden_gradient_bf16_d64"
    case tiledTableGradientBFloat16D64 = "tiled_table_gradient_bf16_d64"

    /// The kernel file that defines this kernel.
    var file: String {
        switch self {
        case .add, .addScaled, .scale, .sumOfSquaresPartials, .fill64, .convertToDouble, .convertToFloat, .fill16,
             .convertFloatToBFloat16, .convertBFloat16ToFloat, .addBFloat16:
            "elementwise.cu"
        case .geluForward, .geluBackward, .reluForward, .reluBackward, .geluForwardBFloat16, .geluBackwardBFloat16,
             .reluForwardBFloat16, .reluBackwardBFloat16:
            "activations.cu"
        case .dropout, .dropoutBFloat16, .dropoutFloatToBFloat16: "dropout.cu"
        case .embeddingForward, .embeddingBackward, .embeddingForwardBFloat16, .embeddingForwardBFloat16ToBFloat16:
            "embedding.cu"
        case .layerNormForward, .layerNormBackwardInput, .layerNormBackwardParameters, .layerNormForwardBFloat16,
             .layerNormBackwardInputBFloat16, .layerNormBackwardParametersBFloat16:
            "layer_norm.cu"
        case .addBias, .biasBackward, .addBiasBFloat16, .biasBackwardBFloat16: "bias.cu"
        case .softmaxRows, .logSumExpRows: "row_reductions.cu"
        case .attentionForward, .attentionBackwardQuery, .attentionBackwardKey,
             .attentionForwardBFloat16, .attentionBackwardQueryBFloat16, .attentionBackwardKeyBFloat16:
            "attention.cu"
        case .flashAttentionForward, .flashAttentionBackwardQuery, .flashAttentionBackwardKey,
             .flashAttentionForwardBFloat16, .flashAttentionBackwardQueryBFloat16, .flashAttentionBackwardKeyBFloat16:
            "flash_attention.cu"
        case .flashAttentionForwardMMA, .flashAttentionBackwardQueryMMA, .flashAttentionBackwardKeyMMA:
            "flash_attention_mma.cu"
        case .adamW: "adamw.cu"
        case .softmaxCrossEntropy, .softmaxCrossEntropyBFloat16: "softmax_cross_entropy.cu"
        case .sampledSoftmaxCrossEntropy, .sigmoidBinaryCrossEntropy, .sampledSoftmaxCrossEntropyBFloat16,
             .sigmoidBinaryCrossEntropyBFloat16:
            "sampled_losses.cu"
        case .gatheredDotForward, .gatheredDotBackward, .gatheredDotForwardBFloat16,
             .gatheredDotForwardBFloat16FloatLogits, .gatheredDotBackwardBFloat16,
             .gatheredDotBackwardBFloat16FloatLogits:
            "gathered_dot.cu"
        case .countNonzero, .accumulateSum: "loss_reductions.cu"
        case .clearGateIfNonFinite, .clearGateIfNonFiniteDouble, .commitGated: "step_gate.cu"
        case .sampleNegatives, .markNegativeTargets: "negative_sampling.cu"
        case .fullRankingReset, .fullRankingMark, .fullRankingSelect, .fullRankingMerge, .fullRankingItems:
            "full_ranking.cu"
        case .sampledLogSumExpForward, .sampledLogSumExpForwardBFloat16: "sampled_log_sum_exp_forward.cu"
        case .sampledLogSumExpBackward, .sampledPositiveWeights, .sampledLogSumExpBackwardBFloat16:
            "sampled_log_sum_exp_backward.cu"
        case .tiledLogSumExpPartials, .logSumExpCombine, .tiledLogSumExpPartialsBFloat16,
             .tiledLogSumExpPartialsBFloat16D64:
            "tiled_log_sum_exp_forward.cu"
        case .tiledHiddenGradient, .tiledTableGradient, .tiledHiddenGradientBFloat16, .tiledTableGradientBFloat16,
             .tiledHiddenGradientBFloat16D64, .tiledTableGradientBFloat16D64:
            "tiled_log_sum_exp_backward.cu"
        }
    }
}
