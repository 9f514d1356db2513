import RecutCore
import RecutCUDA

extension BackendSelftest {
    /// The per-position `cce-` passes with the CUDA backend sweeping the table in many id
    /// ranges (as it does for tables larger than `perPositionSliceBytes`), in float32 and
    /// bfloat16, with filtering off and on.
    func checkPerPositionIDRanges(_ cuda: CUDABackend) {
        let saved = cuda.perPositionSliceBytes
        cuda.perPositionSliceBytes = 4096
        defer { cuda.perPositionSliceBytes = saved }
        for dtype in [DType.float32, .bfloat16] {
            for filtering in [false, true] {
                let inputs = lossInputs(.passes, granularity: .perPosition, logQ: .perNegative, filtering: filtering,
                                        dtype: dtype)
                let ranges = cuda.perPositionIDRanges(tableRows: inputs.sizes.catalog + 1,
                                                      dimension: inputs.sizes.dimension, operand: dtype)
                checkLogSumExpPasses(cuda, inputs, filtering: filtering, filterDType: dtype, note: ", \(ranges) id ranges")
            }
        }
    }
}
