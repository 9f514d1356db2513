import RecutCore
import RecutData

extension CUDABackend {
    /// One thread per id; resampling against a whole batch's targets tests a bitmap of them
    /// (built per call, C + 1 bits), against a row's targets scans the row.
    public func sampleNegatives(_ ids: Tensor, targets: Tensor, sampler: DeviceNegativeSampler, step: Int,
                                positions: Int, positionsPerGroup: Int, count: Int, collisions: CollisionPolicy) {
        sampler.checkArguments(ids: ids, targets: targets, step: step, positions: positions,
                               positionsPerGroup: positionsPerGroup, count: count)
        let groups = DeviceNegativeSampler.groupCount(positions: positions, positionsPerGroup: positionsPerGroup)
        var targetBits: Tensor?
        if collisions == .resample && positionsPerGroup >= positions && positions > 0 {
            let words = (sampler.sampler.catalogSize + 1 + 31) / 32
            let bits = allocateTensor(shape: [words], dtype: .int32)
            must { () throws(CUDAError) in try driver.fill32(bits.address, pattern: 0, count: words) }
            launchElementwise(.markNegativeTargets, count: positions,
                              [.address(bits.address), .address(targets.address), .int64(positions)])
            targetBits = bits
        }
        let collisionMode: Int32 = switch collisions {
        case .keep: 0
        case .resample: 1
        case .mask: 2
        }
        launchElementwise(.sampleNegatives, count: groups * count,
                          [.address(ids.address), .address(targets.address),
                           .address(sampler.aliasThresholds?.address ?? 0), .address(sampler.aliases?.address ?? 0),
                           .address(targetBits?.address ?? 0), .unsigned64(sampler.sampler.seed),
                           .int32(Int32(bitPattern: UInt32(step))), .int32(Int32(sampler.sampler.catalogSize)),
                           .int64(positions), .int32(Int32(positionsPerGroup)), .int32(Int32(count)),
                           .int32(collisionMode), .int32(Int32(NegativeSampler.maximumAttempts)),
                           .int64(groups * count)])
    }
}
