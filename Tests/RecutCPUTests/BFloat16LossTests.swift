import Testing
import RecutCore
import RecutCPU

// The training losses in mixed precision (`MixedPrecision`): bfloat16 hidden states, item
// table and hidden gradient with a float32 item-table gradient and float32 log q, against the
// float64 loss on the same bfloat16-rounded inputs.

/// A loss under test with the fixture it runs on.
struct MixedPrecisionLossCase: CustomStringConvertible, Sendable {
    let name: String
    let kind: LossKind
    let fused: Bool
    let granularity: SampledNegatives.Granularity

    var description: String { "\(name) \(granularity)" }

    func makeLoss() -> any TrainingLoss {
        guard fused else { return kind.makeLoss() }
        if case .crossEntropy = kind { return FusedCrossEntropyLoss(backend: backend, gradientFiltering: false) }
        return FusedSampledCrossEntropyLoss(backend: backend, gradientFiltering: false)
    }
}

private let mixedPrecisionCases: [MixedPrecisionLossCase] = [
    MixedPrecisionLossCase(name: "ce", kind: .crossEntropy, fused: false, granularity: .perPosition),
    MixedPrecisionLossCase(name: "cce", kind: .crossEntropy, fused: true, granularity: .perPosition),
    MixedPrecisionLossCase(name: "bce", kind: .binaryCrossEntropy, fused: false, granularity: .perPosition),
    MixedPrecisionLossCase(name: "gbce", kind: .generalizedBinaryCrossEntropy(calibration: 0.5), fused: false,
                           granularity: .perSequence),
] + [SampledNegatives.Granularity.perPosition, .perSequence, .perBatch].flatMap { granularity in
    [MixedPrecisionLossCase(name: "ce-", kind: .sampledCrossEntropy, fused: false, granularity: granularity),
     MixedPrecisionLossCase(name: "cce-", kind: .sampledCrossEntropy, fused: true, granularity: granularity)]
}

/// Runs `loss` with the fixture's values as bfloat16 H, E and dH (dH starting at 7) and a
/// float32 dE starting at `itemTableGradientStart`; log q is float32.
private func runMixed(_ loss: any TrainingLoss, _ fixture: LossFixture, itemTableGradientStart: [Double])
    -> (loss: Double, hiddenGradient: [Double], itemTableGradient: [Double]) {
    let d = fixture.dimension
    func bfloat16(_ values: [Double], _ shape: [Int]) -> Tensor {
        let tensor = backend.makeTensor(shape: shape, dtype: .bfloat16)
        backend.write(values, into: tensor)
        return tensor
    }
    func float32(_ values: [Double], _ shape: [Int]) -> Tensor { backend.upload(values.map(Float.init), shape: shape) }
    let hiddenGradient = bfloat16([Double](repeating: 7, count: fixture.positions * d), [fixture.positions, d])
    let tableGradient = float32(itemTableGradientStart, [fixture.itemCount + 1, d])
    let logQ: LogQCorrection? = switch fixture.logQMode {
    case .none: nil
    case .perItem: .perItem(float32(fixture.logQPerItem, [fixture.itemCount + 1]))
    case .perNegative: .perNegative(float32(fixture.logQPerNegative, fixture.negativeShape))
    }
    let negatives = SampledNegatives(ids: backend.upload(fixture.negativeIDs, shape: fixture.negativeShape),
                                     granularity: fixture.granularity, logQ: logQ)
    let value = loss.forwardBackward(hidden: bfloat16(fixture.hidden, [fixture.positions, d]),
                                     itemTable: bfloat16(fixture.itemTable, [fixture.itemCount + 1, d]),
                                     hiddenGradient: hiddenGradient, itemTableGradient: tableGradient,
                                     targets: backend.upload(fixture.targets, shape: [fixture.positions]),
                                     negatives: negatives, positions: fixture.positions)
    return (value, values(hiddenGradient), values(tableGradient))
}

@Test(arguments: mixedPrecisionCases)
func lossWithBFloat16OperandsMatchesFloat64(_ lossCase: MixedPrecisionLossCase) {
    var fixture = LossFixture(seed: 300, granularity: lossCase.granularity, logQ: .perItem,
                              sequences: 3, length: 8, dimension: 8, itemCount: 40, negatives: 12)
    fixture.hidden = fixture.hidden.map(BFloat16.rounded)
    fixture.itemTable = fixture.itemTable.map(BFloat16.rounded)
    let tableStart = randomValues(fixture.itemTable.count, seed: 301, scale: 0.01)
    let mixed = runMixed(lossCase.makeLoss(), fixture, itemTableGradientStart: tableStart)
    let expected = fixture.run(lossCase.makeLoss(), dtype: .float64, itemTableGradientStart: tableStart)
    #expect(abs(mixed.loss - expected.loss) <= 1e-2 * abs(expected.loss), "\(lossCase) loss")
    #expect(relativeError(mixed.hiddenGradient, expected.hiddenGradient) <= 1e-2, "\(lossCase) dH")
    #expect(relativeError(mixed.itemTableGradient.enumerated().map { $0.element - tableStart[$0.offset] },
                          expected.itemTableGradient.enumerated().map { $0.element - tableStart[$0.offset] }) <= 1e-2,
            "\(lossCase) dE")
}
