import RecutCore

extension CUDABackend {
    /// Head sizes up to this use the fused kernels of flash_attention.cu; larger ones the
    /// row-per-block kernels of attention.cu, which store the probabilities.
    static let largestFusedAttentionHead = 64

    /// Whether the fused kernels serve these sizes.
    private func usesFusedAttention(heads: Int, dimension: Int) -> Bool {
        dimension / heads <= Self.largestFusedAttentionHead
    }

    /// Fused: the row log-sum-exps and the backward's row terms [2, batch, heads, length];
    /// otherwise the probabilities [batch, heads, length, length].
    public func attentionSavedCount(batch: Int, length: Int, heads: Int, dimension: Int) -> Int {
        usesFusedAttention(heads: heads, dimension: dimension)
            ? 2 * batch * heads * length
            : batch * heads * length * length
    }

    public func attentionForward(_ output: Tensor, saved: Tensor, qkv: Tensor,
                                 batch: Int, length: Int, heads: Int, dimension: Int,
                                 dropout: Double, seed: UInt64) {
        requireFloat32("attentionForward", output, saved, qkv)
        checkAttention(output: output, saved: saved, qkv: qkv,
                       batch: batch, length: length, heads: heads, dimension: dimension, sharedRows: 1)
        guard batch > 0, length > 0 else { return }
        let headSize = dimension / heads
        let arguments: [KernelArgument] = [
            .address(output.address), .address(saved.address), .address(qkv.address),
            .int32(Int32(length)), .int32(Int32(heads)), .int32(Int32(dimension)),
        ] + scalars(dropout: dropout, seed: seed, headSize: headSize)
        if usesFusedAttention(heads: heads, dimension: dimension) {
            launch(.flashAttentionForward, grid: (tiles(length), heads, batch), block: (256, 1, 1),
                   sharedBytes: 3 * 32 * fusedTilePitch(headSize) * 4, arguments)
        } else {
            launch(.attentionForward, grid: (length, heads, batch), block: (128, 1, 1),
                   sharedBytes: (length + headSize) * 4, arguments)
        }
    }

    /// Two passes without atomics: query rows first (saving D_i = sum_j P_ij dP_ij), then key rows.
    public func attentionBackward(_ qkvGradient: Tensor, outputGradient: Tensor, qkv: Tensor,
                                  saved: Tensor,
                                  batch: Int, length: Int, heads: Int, dimension: Int,
                                  dropout: Double, seed: UInt64) {
        requireFloat32("attentionBackward", qkvGradient, outputGradient, qkv, saved)
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
            launch(.flashAttentionBackwardQuery, grid: (tiles(length), heads, batch), block: (256, 1, 1),
                   sharedBytes: 4 * 32 * fusedTilePitch(headSize) * 4, arguments)
            launch(.flashAttentionBackwardKey, grid: (tiles(length), heads, batch), block: (256, 1, 1),
                   sharedBytes: (4 * 32 * fusedTilePitch(headSize) + 2 * 32) * 4, arguments)
            return
        }
        let rowTerms = allocateTensor(shape: [batch, heads, length], dtype: .float32)
        let common: [KernelArgument] = [
            .address(qkvGradient.address), .address(rowTerms.address), .address(outputGradient.address),
            .address(qkv.address), .address(saved.address),
            .int32(Int32(length)), .int32(Int32(heads)), .int32(Int32(dimension)),
        ] + scalars(dropout: dropout, seed: seed, headSize: headSize)
        launch(.attentionBackwardQuery, grid: (length, heads, batch), block: (128, 1, 1),
               sharedBytes: (length + headSize) * 4, common)
        launch(.attentionBackwardKey, grid: (length, heads, batch), block: (128, 1, 1),
               sharedBytes: (2 * length + headSize) * 4, common)
    }

    /// The row pitch, in floats, of the fused kernels' shared tiles (flash_attention.cu's tile_pitch):
    /// the head padded to whole float4s plus one float4.
    private func fusedTilePitch(_ headSize: Int) -> Int { (headSize + 3) / 4 * 4 + 4 }

    /// The number of 32-row tiles of the fused kernels.
    private func tiles(_ length: Int) -> Int { (length + 31) / 32 }

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
