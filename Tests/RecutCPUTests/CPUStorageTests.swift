import Testing
import RecutCore
@testable import RecutCPU

@Test func storageIsZeroFilledAndViewsShareIt() {
    let storage = CPUStorage(elementCapacity: 12, dtype: .float32)
    let tensor = Tensor(shape: [3, 4], storage: storage)
    let row = tensor.view(offset: 4, shape: [4])
    row.pointer(as: Float.self)[1] = 2
    #expect(tensor.pointer(as: Float.self)[5] == 2)
    #expect(tensor.pointer(as: Float.self)[0] == 0)
    #expect(row.offset == 4 && row.count == 4 && tensor.count == 12)
}
