import RecutCore

/// The CUDA backend runs the fused losses; their passes live in SampledLogSumExp.swift
/// (`cce-`), FullLogSumExp.swift (`cce`) and FusedTiles.swift (the tiled passes both share).
extension CUDABackend: FusedLossBackend {
    /// The widest embedding the fused kernels hold in registers (FUSED_MAX_DIMENSION in fused_tiles.cuh).
    static let fusedMaximumDimension = 128

    /// Checks the operands every fused pass shares: hidden states and table both float32 or both
    /// bfloat16 (mixed precision), per-row outputs float32, d a multiple of 4 up to 128, rows
    /// aligned for 16-byte loads, and per-row outputs of at least `rows` elements.
    func checkFusedOperands(_ operation: String, rowOutputs: [Tensor], hidden: Tensor, table: Tensor,
                            targets: Tensor, rows: Int, dimension: Int) {
        precondition(hidden.dtype == table.dtype && [.float32, .bfloat16].contains(hidden.dtype),
                     "CUDA backend: \(operation) does not take \(hidden.dtype) hidden states with a \(table.dtype) table")
        for output in rowOutputs { requireFloat32(operation, output) }
        precondition(dimension > 0 && dimension % 4 == 0 && dimension <= Self.fusedMaximumDimension,
                     "\(operation): the CUDA fused losses need d a multiple of 4 up to \(Self.fusedMaximumDimension), not \(dimension)")
        precondition(table.count % dimension == 0 && table.count / dimension >= 2,
                     "\(operation): table of \(table.count) elements is not at least two rows of \(dimension)")
        precondition(hidden.count >= rows * dimension, "\(operation): hidden states hold fewer than \(rows) rows of \(dimension)")
        precondition(hidden.address % 16 == 0 && table.address % 16 == 0,
                     "\(operation): hidden states and table must start on a 16-byte boundary")
        precondition(targets.dtype == .int32 && targets.count >= rows, "\(operation): need \(rows) int32 targets")
        for output in rowOutputs {
            precondition(output.count >= rows, "\(operation): per-row tensor of \(output.count) elements, need \(rows)")
        }
    }

    /// Checks the gradient outputs of a fused backward pass: the hidden gradient of the table's
    /// dtype, the table gradient float32.
    func checkFusedGradients(_ operation: String, hiddenGradient: Tensor, tableGradient: Tensor, table: Tensor,
                             rows: Int, dimension: Int) {
        requireFloat32(operation, tableGradient)
        precondition(hiddenGradient.dtype == table.dtype,
                     "CUDA backend: \(operation) does not take a \(hiddenGradient.dtype) hidden gradient for a \(table.dtype) table")
        precondition(hiddenGradient.count >= rows * dimension && tableGradient.count == table.count,
                     "\(operation): gradients do not match hidden [\(rows), \(dimension)] and the table")
        precondition(hiddenGradient.address % 16 == 0 && tableGradient.address % 16 == 0,
                     "\(operation): gradients must start on a 16-byte boundary")
    }
}
