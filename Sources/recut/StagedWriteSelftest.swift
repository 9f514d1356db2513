import RecutCore

extension BackendSelftest {
    /// The contract of `stageWrite`: work queued before the marker still reads the old ids,
    /// work queued after `awaitStagedWrites()` reads the new ones, and a step's large id copy
    /// arrives whole. Checked on ids written beside long-running work (a large float copy).
    func checkStagedWrites() {
        let count = 1 << 20
        let old = (0..<count).map { _ in Int32(truncatingIfNeeded: generator.next() >> 33) }
        let new = (0..<count).map { _ in Int32(truncatingIfNeeded: generator.next() >> 33) }
        let ids = subject.upload(old, shape: [count])
        let seenBefore = subject.makeTensor(shape: [count], dtype: .int32)
        let busy = subject.makeTensor(shape: [1 << 26], dtype: .float32)
        let busyCopy = subject.makeTensor(shape: [1 << 26], dtype: .float32)
        subject.copy(busyCopy, from: busy)
        subject.copy(seenBefore, from: ids)
        let marker = subject.queueMarker()
        subject.copy(busyCopy, from: busy)
        subject.stageWrite(new, into: ids, after: marker)
        subject.awaitStagedWrites()
        let seenAfter = subject.makeTensor(shape: [count], dtype: .int32)
        subject.copy(seenAfter, from: ids)
        let before: [Int32] = subject.download(seenBefore), after: [Int32] = subject.download(seenAfter)
        let mismatches = zip(before, old).filter { $0 != $1 }.count + zip(after, new).filter { $0 != $1 }.count
        results.append(SelftestResult(operation: "stageWrite: ids before the marker old, after the wait new",
                                      error: Double(mismatches), threshold: 0))
    }
}
