import Foundation
import RecutCore

extension CUDABackend {
    public func sampledSoftmaxCrossEntropy(_ losses: Tensor, positiveLogits: Tensor, negativeLogits: Tensor,
                                           targets: Tensor, negativeIDs: Tensor, logQ: LogQCorrection?,
                                           rows: Int, negatives: Int, rowsPerNegativeRow: Int,
                                           gradientScale: Double) {
        let bfloat16 = checkSampledOperands("sampledSoftmaxCrossEntropy", losses, positiveLogits, negativeLogits,
                                            targets, negativeIDs, rows: rows, negatives: negatives,
                                            rowsPerNegativeRow: rowsPerNegativeRow)
        guard rows > 0 else { return }
        let (table, mode): (UInt64, Int32)
        switch logQ {
        case nil: (table, mode) = (0, 0)
        case .perItem(let values):
            requireFloat32("sampledSoftmaxCrossEntropy log q", values)
            (table, mode) = (values.address, 1)
        case .perNegative(let values):
            requireFloat32("sampledSoftmaxCrossEntropy log q", values)
            precondition(values.count >= negativeIDs.count, "per-negative log q shorter than the negative ids")
            (table, mode) = (values.address, 2)
        }
        launch(bfloat16 ? .sampledSoftmaxCrossEntropyBFloat16 : .sampledSoftmaxCrossEntropy, grid: (rows, 1, 1), block: (sampledBlockSize(negatives), 1, 1),
               [.address(losses.address), .address(positiveLogits.address), .address(negativeLogits.address),
                .address(targets.address), .address(negativeIDs.address), .address(table), .int32(mode),
                .float(Float(log(Double(max(negatives, 1))))), .int32(Int32(rows)), .int32(Int32(negatives)),
                .int32(Int32(rowsPerNegativeRow)), .float(Float(gradientScale))])
    }

    public func sigmoidBinaryCrossEntropy(_ losses: Tensor, positiveLogits: Tensor, negativeLogits: Tensor,
                                          targets: Tensor, negativeIDs: Tensor,
                                          rows: Int, negatives: Int, rowsPerNegativeRow: Int,
                                          positiveWeight: Double, gradientScale: Double) {
        let bfloat16 = checkSampledOperands("sigmoidBinaryCrossEntropy", losses, positiveLogits, negativeLogits,
                                            targets, negativeIDs, rows: rows, negatives: negatives,
                                            rowsPerNegativeRow: rowsPerNegativeRow)
        guard rows > 0 else { return }
        launch(bfloat16 ? .sigmoidBinaryCrossEntropyBFloat16 : .sigmoidBinaryCrossEntropy, grid: (rows, 1, 1), block: (sampledBlockSize(negatives), 1, 1),
               [.address(losses.address), .address(positiveLogits.address), .address(negativeLogits.address),
                .address(targets.address), .address(negativeIDs.address), .int32(Int32(rows)),
                .int32(Int32(negatives)), .int32(Int32(rowsPerNegativeRow)), .float(Float(positiveWeight)),
                .float(Float(gradientScale))])
    }

    /// Threads per row: enough to cover a few negatives each, at least one warp, at most 256.
    private func sampledBlockSize(_ negatives: Int) -> Int {
        min(256, max(32, (negatives / 4 + 31) / 32 * 32))
    }

    /// Checks the operands and returns whether the logits are bfloat16 (the losses float32
    /// either way); any other dtypes trap.
    private func checkSampledOperands(_ operation: String, _ losses: Tensor, _ positiveLogits: Tensor,
                                      _ negativeLogits: Tensor, _ targets: Tensor, _ negativeIDs: Tensor,
                                      rows: Int, negatives: Int, rowsPerNegativeRow: Int) -> Bool {
        let bfloat16: Bool
        switch (losses.dtype, positiveLogits.dtype, negativeLogits.dtype) {
        case (.float32, .float32, .float32): bfloat16 = false
        case (.float32, .bfloat16, .bfloat16): bfloat16 = true
        default:
            preconditionFailure("CUDA backend: \(operation) does not take \(losses.dtype) losses with "
                                + "\(positiveLogits.dtype) and \(negativeLogits.dtype) logits")
        }
        precondition(losses.count >= rows && positiveLogits.count >= rows && negativeLogits.count >= rows * negatives,
                     "sampled loss: tensors smaller than \(rows) rows of \(negatives) negatives")
        precondition(targets.dtype == .int32 && targets.count >= rows, "sampled loss: need \(rows) int32 targets")
        precondition(negatives >= 0 && rowsPerNegativeRow >= 1,
                     "sampled loss: negatives \(negatives), rows per negative row \(rowsPerNegativeRow)")
        let idRows = rows == 0 ? 0 : (rows - 1) / rowsPerNegativeRow + 1
        precondition(negativeIDs.dtype == .int32 && negativeIDs.count >= idRows * negatives,
                     "sampled loss: negative ids hold fewer than \(idRows) int32 rows of \(negatives)")
        return bfloat16
    }
}
