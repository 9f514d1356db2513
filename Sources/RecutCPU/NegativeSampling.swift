import RecutCore
import RecutData

extension CPUBackend {
    /// The reference draws of `NegativeSampler.ids`, masked in place for `.mask`.
    public func sampleNegatives(_ ids: Tensor, targets: Tensor, sampler: DeviceNegativeSampler, step: Int,
                                positions: Int, positionsPerGroup: Int, count: Int, collisions: CollisionPolicy) {
        sampler.checkArguments(ids: ids, targets: targets, step: step, positions: positions,
                               positionsPerGroup: positionsPerGroup, count: count)
        let targetPointer = targets.pointer(as: Int32.self)
        let drawn = sampler.sampler.ids(count: count, targets: UnsafeBufferPointer(start: targetPointer, count: positions),
                                        positionsPerGroup: positionsPerGroup, resampling: collisions == .resample,
                                        step: step)
        let output = ids.pointer(as: Int32.self)
        for (slot, id) in drawn.enumerated() { output[slot] = id }
        if collisions == .mask && positionsPerGroup == 1 {
            for position in 0..<positions {
                for slot in (position * count)..<((position + 1) * count) where output[slot] == targetPointer[position] {
                    output[slot] = 0
                }
            }
        }
    }
}
