import RecutCore

/// Data-parallel synchronisation on the GPU: rank 0's parameters broadcast to every rank at the
/// start, and after each backward pass the flat gradient buffer averaged over the ranks with
/// NCCL, bucket by bucket, on the compute stream (so the optimizer step that follows sees the
/// average without any host synchronisation).
///
/// Unverified on GPUs: written against the NCCL API, never run on several devices yet.
public final class GradientSynchronizer {
    /// The communicator of this rank.
    public let communicator: NCCLCommunicator
    /// Elements per all-reduce call.
    public let bucketElements: Int

    /// Synchronises through `communicator` in all-reduces of at most `bucketBytes` bytes.
    public init(communicator: NCCLCommunicator, bucketBytes: Int = 32 << 20) {
        precondition(bucketBytes >= 4, "a bucket holds at least one element")
        self.communicator = communicator
        bucketElements = bucketBytes / 4
    }

    /// Replaces `gradients` (a CUDA tensor) on every rank by its mean over the ranks.
    public func averageGradients(_ gradients: Tensor) throws(CUDAError) {
        guard communicator.rankCount > 1 else { return }
        let elementBytes = UInt64(gradients.dtype.byteSize)
        try communicator.group { () throws(CUDAError) in
            for start in stride(from: 0, to: gradients.count, by: bucketElements) {
                try communicator.allReduce(address: gradients.address + UInt64(start) * elementBytes,
                                           count: min(bucketElements, gradients.count - start), dtype: gradients.dtype,
                                           reduction: .average)
            }
        }
    }

    /// Copies rank 0's `parameters` into every other rank's.
    public func broadcastParameters(_ parameters: Tensor) throws(CUDAError) {
        guard communicator.rankCount > 1 else { return }
        try communicator.broadcast(parameters, root: 0)
        try communicator.driver.synchronize()
    }
}
