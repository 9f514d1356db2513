import RecutData

/// A `NegativeSampler` whose alias table lives on a backend, for `LossBackend.sampleNegatives`
/// and for kernels that regenerate negatives instead of reading them.
///
/// The host sampler stays the definition of every draw (`NegativeSampler.draw`); the tensors
/// hold its integer alias table: thresholds [C] (the UInt32 bit patterns, as int32) and aliases [C].
public struct DeviceNegativeSampler: Sendable {
    /// The sampler whose draws the backend reproduces.
    public let sampler: NegativeSampler
    /// `sampler.aliasThresholds` on the backend; nil for uniform draws.
    public let aliasThresholds: Tensor?
    /// `sampler.aliases` on the backend; nil for uniform draws.
    public let aliases: Tensor?

    /// Uploads the alias table of `sampler` (if any) to `backend`.
    public init(_ sampler: NegativeSampler, on backend: any Backend) {
        self.sampler = sampler
        if sampler.isPopularity {
            aliasThresholds = backend.upload(sampler.aliasThresholds.map { Int32(bitPattern: $0) },
                                             shape: [sampler.catalogSize])
            aliases = backend.upload(sampler.aliases, shape: [sampler.catalogSize])
        } else {
            aliasThresholds = nil
            aliases = nil
        }
    }
}

extension DeviceNegativeSampler {
    /// The number of id rows `sampleNegatives` writes: one per group of `positionsPerGroup` positions, at least one.
    public static func groupCount(positions: Int, positionsPerGroup: Int) -> Int {
        max(1, (positions + positionsPerGroup - 1) / positionsPerGroup)
    }

    /// Traps with a message naming `sampleNegatives` when the operands do not fit the sizes.
    public func checkArguments(ids: Tensor, targets: Tensor, step: Int, positions: Int, positionsPerGroup: Int,
                               count: Int) {
        precondition(count > 0 && positionsPerGroup > 0 && positions >= 0,
                     "sampleNegatives: count \(count), positions \(positions), per group \(positionsPerGroup)")
        precondition(step >= 0 && step <= Int(UInt32.max), "sampleNegatives: step \(step) is outside 0...2^32-1")
        let groups = Self.groupCount(positions: positions, positionsPerGroup: positionsPerGroup)
        precondition(ids.dtype == .int32 && ids.count >= groups * count,
                     "sampleNegatives: ids must hold \(groups) x \(count) int32")
        precondition(targets.dtype == .int32 && targets.count >= positions,
                     "sampleNegatives: targets must hold \(positions) int32")
    }
}
