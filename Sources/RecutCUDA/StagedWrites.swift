import RecutCore

/// An event recorded on the compute stream: the work queued before it.
final class CUDAQueueMarker: QueueMarker, @unchecked Sendable {
    let event: UnsafeMutableRawPointer
    private let driver: CUDADriver

    init(driver: CUDADriver) throws(CUDAError) {
        self.driver = driver
        event = try driver.makeEvent()
        try driver.record(event)
    }

    deinit { try? driver.destroy(event) }
}

extension CUDABackend {
    public func queueMarker() -> (any QueueMarker)? {
        must { () throws(CUDAError) in try CUDAQueueMarker(driver: driver) }
    }

    /// The copy goes on the copy stream after the marker's event, through the pinned ring.
    public func stageWrite(_ values: [Int32], into tensor: Tensor, after marker: (any QueueMarker)?) {
        precondition(tensor.dtype == .int32, "staging ids into a \(tensor.dtype) tensor")
        precondition(values.count <= tensor.count, "staging \(values.count) values into \(tensor.count) elements")
        guard !values.isEmpty else { return }
        let bytes = values.count * 4
        withStaging { (staging) throws(CUDAError) in
            if let marker {
                guard let marker = marker as? CUDAQueueMarker else {
                    preconditionFailure("stageWrite: the marker was not made by the CUDA backend")
                }
                try driver.streamWait(for: marker.event, beside: true)
            }
            try staging.write(bytes: bytes, to: tensor.address, beside: true) { buffer in
                values.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: bytes) }
            }
        }
    }

    public func awaitStagedWrites() {
        withStaging { (_) throws(CUDAError) in
            try driver.record(stagedCopies, beside: true)
            try driver.streamWait(for: stagedCopies)
        }
    }
}
