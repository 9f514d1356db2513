import RecutCore

/// Two sets of device buffers for a step's ids (inputs, targets), used in turn: while a step
/// computes on one set, the next step's ids are copied into the other.
struct StepBuffers {
    /// One step's ids on the device.
    struct Set {
        let inputIDs: Tensor
        let targetIDs: Tensor
    }

    private let sets: [Set]
    /// The queue marker after the last step that read each set, so a staged copy waits for it.
    private var releasedAfter: [(any QueueMarker)?] = [nil, nil]
    /// The set the last step read.
    private(set) var lastUsed = 1

    /// Buffers for `positions` ids per set.
    init(backend: any Backend, positions: Int) {
        sets = (0..<2).map { _ in
            Set(inputIDs: backend.makeTensor(shape: [positions], dtype: .int32),
                targetIDs: backend.makeTensor(shape: [positions], dtype: .int32))
        }
    }

    /// The set the next step uses: the one the last step did not.
    var next: Int { 1 - lastUsed }

    subscript(index: Int) -> Set { sets[index] }

    /// The marker a copy into set `index` must wait for.
    func marker(before index: Int) -> (any QueueMarker)? { releasedAfter[index] }

    /// Records that the step just queued read set `index`, up to `marker`.
    mutating func used(_ index: Int, until marker: (any QueueMarker)?) {
        releasedAfter[index] = marker
        lastUsed = index
    }
}
