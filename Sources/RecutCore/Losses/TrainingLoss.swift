/// A training loss over the final hidden states and the tied item table.
///
/// Inputs: hidden states H [N, d] of the N = B * L positions, the item table E [C + 1, d]
/// (row 0 is padding, never a class), int32 targets [N] (0 marks a padding position, which
/// contributes no loss and gets a zero gradient). A loss writes dH (the gradient of the
/// mean loss over non-padding positions) and accumulates (+=) dE into the item-table gradient.
public protocol TrainingLoss: AnyObject {
    /// The loss's name on the command line ("ce", "ce-", "bce", "gbce").
    var name: String { get }
    /// Whether `forwardBackward` needs sampled negatives.
    var usesNegatives: Bool { get }

    /// The backend the loss runs on.
    var backend: any LossBackend { get }

    /// Adds the mean loss over the `targetCount` non-padding positions among the first
    /// `positions` rows to `lossSum` (a float64 scalar on the backend), writes
    /// `hiddenGradient` [positions, d] and adds to `itemTableGradient`.
    ///
    /// Nothing is read back, so a training step queues its work without waiting for the
    /// device; the caller knows `targetCount` (the nonzero targets) from the batch it built.
    /// Scratch buffers are allocated on the first call and reused while later batches fit.
    func forwardBackward(hidden: Tensor, itemTable: Tensor,
                         hiddenGradient: Tensor, itemTableGradient: Tensor,
                         targets: Tensor, targetCount: Int, negatives: SampledNegatives?, positions: Int,
                         lossSum: Tensor)
}

extension TrainingLoss {
    /// `forwardBackward` for callers that want the mean loss now: counts the targets on the
    /// backend and reads the loss back, waiting for the device twice.
    public func forwardBackward(hidden: Tensor, itemTable: Tensor,
                                hiddenGradient: Tensor, itemTableGradient: Tensor,
                                targets: Tensor, negatives: SampledNegatives?, positions: Int) -> Double {
        let lossSum = backend.makeTensor(shape: [1], dtype: .float64)
        forwardBackward(hidden: hidden, itemTable: itemTable, hiddenGradient: hiddenGradient,
                        itemTableGradient: itemTableGradient, targets: targets,
                        targetCount: backend.countNonzero(targets, count: positions), negatives: negatives,
                        positions: positions, lossSum: lossSum)
        return (backend.download(lossSum) as [Double])[0]
    }
}
