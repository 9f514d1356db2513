import RecutCore

extension CUDABackend {
    /// Head sizes up to this use the fused kernels of flash_attention.cu; larger ones the
    /// row-per-block kernels of attention.cu, which store the probabilities.
    static let largestFusedAttentionHead = 64

    /// Whether the fused kernels serve these sizes.
    private func usesFusedAttention(heads: Int, dimension: Int) -> Bool {
        dimension / heads <= Self.largestFusedAttentionHead
    }

    /// The head size of the tensor-core kernels of flash_attention_mma.cu.
    static let tensorCoreAttentionHead = 64

    /// Whether the tensor-core kernels serve this call: bfloat16 operands, heads of exactly 64
    /// and 16-byte aligned starts (they copy rows 16 bytes at a time); their saved state is the
    /// fused kernels' own.
    private func usesTensorCoreAttention(mixed: Bool, heads: Int, dimension: Int, _ operands: [Tensor]) -> Bool {
        mixed && dimension / heads == Self.tensorCoreAttentionHead && operands.allSatisfy { $0.address % 16 == 0 }
    }

    /// Fused: the row log-sum-exps and the backward's row terms [2, batch, heads, length];
    /// otherwise the probabilities [batch, heads, length, length].
    public func attentionSavedCount(batch: Int, length: Int, heads: Int, dimension: Int) -> Int {
        usesFusedAttention(heads: heads, dimension: dimension)
            ? 2 * batch * heads * length
            : batch * heads * length * length
    }

    /// float32 throughout, or bfloat16 qkv and output with float32 `saved` (MixedPrecision).
    public func attentionForward(_ output: Tensor, saved: Tensor, qkv: Tensor,
                                 batch: Int, length: Int, heads: Int, dimension: Int,
                                 dropout: Double, seed: UInt64) {
        let mixed = usesBFloat16("attentionForward", [("output", output), ("qkv", qkv)], saved: saved)
        checkAttention(output: output, saved: saved, qkv: qkv,
                       batch: batch, length: length, heads: heads, dimension: dimension, sharedRows: 1)
        guard batch > 0, length > 0 else { return }
        let headSize = dimension / heads
        let arguments: [KernelArgument] = [
            .address(output.address), .address(saved.address), .address(qkv.address),
            .int32(Int32(length)), .int32(Int32(heads)), .int32(Int32(dimension)),
        ] + scalars(dropout: dropout, seed: seed, headSize: headSize)
        if usesTensorCoreAttention(mixed: mixed, heads: heads, dimension: dimension, [output, qkv]) {
            launch(.flashAttentionForwardMMA, grid: (tensorCoreTiles(length), heads, batch), block: (128, 1, 1), arguments)
        } else if usesFusedAttention(heads: heads, dimension: dimension) {
            launch(mixed ? .flashAttentionForwardBFloat16 : .flashAttentionForward,
                   grid: (tiles(length), heads, batch), block: (256, 1, 1),
                   sharedBytes: 3 * 32 * fusedTilePitch(headSize) * 4, arguments)
        } else {
            launch(mixed ? .attentionForwardBFloat16 : .attentionForward,
                   grid: (length, heads, batch), block: (128, 1, 1),
                   sharedBytes: (length + headSize) * 4, arguments)
        }
    }

    /// Two passes without atomics: query rows first (saving D_i = sum_j P_ij dP_ij), then key rows.
    /// float32 throughout, or bfloat16 qkv and gradients with float32 `saved` (MixedPrecision).
    public func attentionBackward(_ qkvGradient: Tensor, outputGradient: Tensor, qkv: Tensor,
                                  saved: Tensor,
                                  batch: Int, length: Int, heads: Int, dimension: Int,
                                  dropout: Double, seed: UInt64) {
        let mixed = usesBFloat16("attentionBackward",
                                 [("qkvGradient", qkvGradient), ("outputGradient", outputGradient), ("qkv", qkv)],
                                 saved: saved)
        checkAttention(output: outputGradient, saved: saved, qkv: qkv,
                       batch: batch, length: length, heads: heads, dimension: dimension, sharedRows: 2)
        precondition(qkvGradient.count >= batch * length * 3 * dimension, "attentionBackward: qkv gradient too small")
        guard batch > 0, length > 0 else { return }
        let headSize = dimension / heads
        if usesFusedAttention(heads: heads, dimension: dimension) {
            let arguments: [KernelArgument] = [
                .address(qkvGradient.address), .address(saved.address), .address(outputGradient.address),
                .address(qkv.address), .int32(Int32(length)), .int32(Int32(heads)), .int32(Int32(dimension)),
            ] + scalars(dropout: dropout, seed: seed, headSize: headSize)
            if usesTensorCoreAttention(mixed: mixed, heads: heads, dimension: dimension,
                                       [qkvGradient, outputGradient, qkv]) {
                let grid = (tensorCoreTiles(length), heads, batch)
                launch(.flashAttentionBackwardQueryMMA, grid: grid, block: (128, 1, 1), arguments)
                launch(.flashAttentionBackwardKeyMMA, grid: grid, block: (128, 1, 1), arguments)
                return
            }
            launch(mixed ? .flashAttentionBackwardQueryBFloat16 : .flashAttentionBackwardQuery,
                   grid: (tiles(length), heads, batch), block: (256, 1, 1),
                   sharedBytes: 4 * 32 * fusedTilePitch(headSize) * 4, arguments)
            launch(mixed ? .flashAttentionBackwardKeyBFloat16 : .flashAttentionBackwardKey,
                   grid: (tiles(length), heads, batch), block: (256, 1, 1),
                   sharedBytes: (4 * 32 * fusedTilePitch(headSize) + 2 * 32) * 4, arguments)
            return
        }
        let rowTerms = allocateTensor(shape: [batch, heads, length], dtype: .float32)
        let common: [KernelArgument] = [
            .address(qkvGradient.address), .address(rowTerms.address), .address(outputGradient.address),
            .address(qkv.address), .address(saved.address),
            .int32(Int32(length)), .int32(Int32(heads)), .int32(Int32(dimension)),
        ] + scalars(dropout: dropout, seed: seed, headSize: headSize)
        launch(mixed ? .attentionBackwardQueryBFloat16 : .attentionBackwardQuery,
               grid: (length, heads, batch), block: (128, 1, 1),
               sharedBytes: (length + headSize) * 4, common)
        launch(mixed ? .attentionBackwardKeyBFloat16 : .attentionBackwardKey,
               grid: (length, heads, batch), block: (128, 1, 1),
               sharedBytes: (2 * length + headSize) * 4, common)
    }

    /// Whether `activations` (qkv, output and their gradients) are all bfloat16 rather than all
    /// float32; `saved` is float32 either way, and any other mix fails.
    private func usesBFloat16(_ operation: String, _ activations: [(name: String, tensor: Tensor)],
                              saved: Tensor) -> Bool {
        let dtypes = Set(activations.map(\.tensor.dtype))
        if saved.dtype == .float32, dtypes == [.float32] { return false }
        if saved.dtype == .float32, dtypes == [.bfloat16] { return true }
        let described = (activations + [("saved", saved)]).map { "\($0.name) \($0.tensor.dtype)" }
        preconditionFailure("CUDA backend: \(operation) does not take \(described.joined(separator: ", "))")
    }

    /// The row pitch, in floats, of the fused kernels' shared tiles (flash_attention.cu's tile_pitch):
    /// the head padded to whole float4s plus one float4.
    private func fusedTilePitch(_ headSize: Int) -> Int { (headSize + 3) / 4 * 4 + 4 }

    /// The number of 32-row tiles of the fused kernels.
    private func tiles(_ length: Int) -> Int { (length + 31) / 32 }

    /// The number of 64-row tiles of the tensor-core kernels.
    private func tensorCoreTiles(_ length: Int) -> Int { (length + 63) / 64 }

    /// The trailing kernel parameters shared by the attention kernels.
    private func scalars(dropout: Double, seed: UInt64, headSize: Int) -> [KernelArgument] {
        precondition(dropout >= 0 && dropout < 1, "attention dropout \(dropout) outside [0, 1)")
        return [.double(dropout), .unsigned64(seed), .float(Float(1 / (1 - dropout))),
                .float(Float(1 / Double(headSize).squareRoot()))]
    }

    private func checkAttention(output: Tensor, saved: Tensor, qkv: Tensor,
                                batch: Int, length: Int, heads: Int, dimension: Int, sharedRows: Int) {
        precondition(dimension % heads == 0, "attention: dimension \(dimension) not divisible by \(heads) heads")
        precondition(qkv.count >= batch * length * 3 * dimension, "attention: qkv too small")
        precondition(output.count >= batch * length * dimension, "attention: output too small")
        precondition(saved.count >= attentionSavedCount(batch: batch, length: length, heads: heads, dimension: dimension),
                     "attention: saved state too small")
        precondition(usesFusedAttention(heads: heads, dimension: dimension)
                     || (sharedRows * length + dimension / heads) * 4 <= 48 << 10,
                     "attention: length \(length) needs more than 48 KiB of shared memory per block")
    }
}
