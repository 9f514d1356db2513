import Testing
import RecutCore
import RecutCPU

@Test func memoryLedgerCountsLiveTensorsAndThePeak() {
    let cpu = CPUBackend()
    #expect(cpu.memory.bytesInUse == 0)
    let kept = cpu.makeTensor(shape: [10, 4], dtype: .float32)
    withExtendedLifetime(kept) {
        withExtendedLifetime(cpu.makeTensor(shape: [8], dtype: .bfloat16)) {
            #expect(cpu.memory.bytesInUse == 160 + 16)
        }
        #expect(cpu.memory.bytesInUse == 160 && cpu.memory.peakBytesInUse == 176)
        let live = cpu.memory.liveAllocations
        #expect(live.map(\.elementCount) == [40] && live.map(\.dtype) == [.float32] && live.map(\.bytes) == [160])
        cpu.memory.resetPeak()
        #expect(cpu.memory.peakBytesInUse == 160)
    }
}
