/// What every backend shares unless it provides its own.
extension Backend {
    public var preferredPrecision: Precision { .float32 }

    /// Work runs as it is called, so there is nothing to mark.
    public func queueMarker() -> (any QueueMarker)? { nil }

    /// Work runs as it is called, so a staged write is a plain write.
    public func stageWrite(_ values: [Int32], into tensor: Tensor, after marker: (any QueueMarker)?) {
        write(values, into: tensor)
    }

    /// Staged writes happened when they were made.
    public func awaitStagedWrites() {}

    /// A single product is a batch of one; backends implement `batchedMatmul` only.
    public func matmul(_ output: Tensor, _ a: Tensor, _ b: Tensor,
                       rows: Int, columns: Int, inner: Int,
                       transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double) {
        batchedMatmul(output, a, b, rows: rows, columns: columns, inner: inner,
                      transposeA: transposeA, transposeB: transposeB, alpha: alpha, beta: beta,
                      batchCount: 1, outputStride: 0, aStride: 0, bStride: 0)
    }
}
