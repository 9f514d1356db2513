import RecutCore

extension CUDABackend {
    public func attentionForward(_ output: Tensor, probabilities: Tensor, qkv: Tensor,
                                 batch: Int, length: Int, heads: Int, dimension: Int,
                                 dropout: Double, seed: UInt64) {
        requireFloat32("attentionForward", output, probabilities, qkv)
        checkAttention(output: output, probabilities: probabilities, qkv: qkv,
                       batch: batch, length: length, heads: heads, dimension: dimension, sharedRows: 1)
        guard batch > 0, length > 0 else { return }
        launch(.attentionForward, grid: (length, heads, batch), block: (128, 1, 1),
               sharedBytes: (length + dimension / heads) * 4,
               [.address(output.address), .address(probabilities.address), .address(qkv.address),
                .int32(Int32(length)), .int32(Int32(heads)), .int32(Int32(dimension))]
                   + scalars(dropout: dropout, seed: seed, headSize: dimension / heads))
    }

    /// Two passes without atomics: query rows first (saving D_i = sum_j P_ij dP_ij), then key rows.
    public func attentionBackward(_ qkvGradient: Tensor, outputGradient: Tensor, qkv: Tensor,
                                  probabilities: Tensor,
                                  batch: Int, length: Int, heads: Int, dimension: Int,
                                  dropout: Double, seed: UInt64) {
        requireFloat32("attentionBackward", qkvGradient, outputGradient, qkv, probabilities)
        checkAttention(output: outputGradient, probabilities: probabilities, qkv: qkv,
                       batch: batch, length: length, heads: heads, dimension: dimension, sharedRows: 2)
        precondition(qkvGradient.count >= batch * length * 3 * dimension, "attentionBackward: qkv gradient too small")
        guard batch > 0, length > 0 else { return }
        let rowTerms = allocateTensor(shape: [batch, heads, length], dtype: .float32)
        let headSize = dimension / heads
        let common: [KernelArgument] = [
            .address(qkvGradient.address), .address(rowTerms.address), .address(outputGradient.address),
            .address(qkv.address), .address(probabilities.address),
            .int32(Int32(length)), .int32(Int32(heads)), .int32(Int32(dimension)),
        ] + scalars(dropout: dropout, seed: seed, headSize: headSize)
        launch(.attentionBackwardQuery, grid: (length, heads, batch), block: (128, 1, 1),
               sharedBytes: (length + headSize) * 4, common)
        launch(.attentionBackwardKey, grid: (length, heads, batch), block: (128, 1, 1),
               sharedBytes: (2 * length + headSize) * 4, common)
    }

    /// The trailing kernel parameters shared by the attention kernels.
    private func scalars(dropout: Double, seed: UInt64, headSize: Int) -> [KernelArgument] {
        precondition(dropout >= 0 && dropout < 1, "attention dropout \(dropout) outside [0, 1)")
        return [.double(dropout), .unsigned64(seed), .float(Float(1 / (1 - dropout))),
                .float(Float(1 / Double(headSize).squareRoot()))]
    }

    private func checkAttention(output: Tensor, probabilities: Tensor, qkv: Tensor,
                                batch: Int, length: Int, heads: Int, dimension: Int, sharedRows: Int) {
        precondition(dimension % heads == 0, "attention: dimension \(dimension) not divisible by \(heads) heads")
        precondition(qkv.count >= batch * length * 3 * dimension, "attention: qkv too small")
        precondition(output.count >= batch * length * dimension, "attention: output too small")
        precondition(probabilities.count >= batch * heads * length * length, "attention: probabilities too small")
        precondition((sharedRows * length + dimension / heads) * 4 <= 48 << 10,
                     "attention: length \(length) needs more than 48 KiB of shared memory per block")
    }
}
