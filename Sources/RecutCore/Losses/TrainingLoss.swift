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

    /// Computes the mean loss over non-padding positions among the first `positions`
    /// rows, writes `hiddenGradient` [positions, d] and adds to `itemTableGradient`.
    ///
    /// Scratch buffers are allocated on the first call and reused while later batches fit.
    func forwardBackward(hidden: Tensor, itemTable: Tensor,
                         hiddenGradient: Tensor, itemTableGradient: Tensor,
                         targets: Tensor, negatives: SampledNegatives?, positions: Int) -> Double
}
