@testable import RecutCUDA
import RecutCore
import Testing

@Suite struct PerPositionRangeTests {
    @Test func aMillionItemTableIsSweptInRangesThatFitTheSlice() {
        let slice = 64 << 20
        // 1M x 64 rows: 128 MB of bf16 table and 256 MB of float32 gradient in 64 MiB slices.
        #expect(CUDABackend.idRanges(tableRows: 1_000_001, dimension: 64, operand: .bfloat16, sliceBytes: slice) == 6)
        #expect(CUDABackend.idRanges(tableRows: 1_000_001, dimension: 64, operand: .float32, sliceBytes: slice) == 8)
    }

    @Test func smallTablesAndExactFitsTakeTheFewestRanges() {
        #expect(CUDABackend.idRanges(tableRows: 301, dimension: 40, operand: .float32, sliceBytes: 64 << 20) == 1)
        #expect(CUDABackend.idRanges(tableRows: 0, dimension: 64, operand: .bfloat16, sliceBytes: 4096) == 1)
        // 128 rows of 8 float32 dimensions and their gradient: 8 KiB, two 4 KiB slices exactly.
        #expect(CUDABackend.idRanges(tableRows: 128, dimension: 8, operand: .float32, sliceBytes: 4096) == 2)
        #expect(CUDABackend.idRanges(tableRows: 129, dimension: 8, operand: .float32, sliceBytes: 4096) == 3)
    }
}
