import Testing
import RecutCore
import RecutCPU

/// Checks one loss on one fixture in float64: the value against the naive loss, dH and dE
/// against central finite differences of the naive loss, dE accumulated, padding rows zero.
private func checkAgainstNaive(_ kind: LossKind, _ fixture: LossFixture) {
    let tableStart = randomValues(fixture.itemTable.count, seed: 99)
    let result = fixture.run(kind.makeLoss(), dtype: .float64, itemTableGradientStart: tableStart)
    let expected = fixture.naiveLoss(kind, hidden: fixture.hidden, itemTable: fixture.itemTable)
    #expect(abs(result.loss - expected) <= 1e-12 * abs(expected), "\(kind) loss \(result.loss) vs naive \(expected)")

    let numericalHidden = numericalGradient(at: fixture.hidden) {
        fixture.naiveLoss(kind, hidden: $0, itemTable: fixture.itemTable)
    }
    let numericalTable = numericalGradient(at: fixture.itemTable) {
        fixture.naiveLoss(kind, hidden: fixture.hidden, itemTable: $0)
    }
    let tableGradient = zip(result.itemTableGradient, tableStart).map { $0 - $1 }
    #expect(relativeError(result.hiddenGradient, numericalHidden) <= 1e-6, "\(kind) dH")
    #expect(relativeError(tableGradient, numericalTable) <= 1e-6, "\(kind) dE")
    for n in 0..<fixture.positions where fixture.targets[n] == 0 {
        let row = result.hiddenGradient[(n * fixture.dimension)..<((n + 1) * fixture.dimension)]
        #expect(row.allSatisfy { $0 == 0 }, "\(kind) dH of padding position \(n)")
    }
    #expect(tableGradient[0..<fixture.dimension].allSatisfy { $0 == 0 }, "\(kind) dE of the padding item")
}

private let granularities: [SampledNegatives.Granularity] = [.perPosition, .perSequence, .perBatch]

@Test func fullCrossEntropyMatchesNaiveAndFiniteDifferences() {
    checkAgainstNaive(.crossEntropy, LossFixture(seed: 10))
}

@Test(arguments: granularities, LogQMode.allCases)
func sampledCrossEntropyMatchesNaiveAndFiniteDifferences(granularity: SampledNegatives.Granularity, logQ: LogQMode) {
    checkAgainstNaive(.sampledCrossEntropy, LossFixture(seed: 20, granularity: granularity, logQ: logQ))
}

@Test(arguments: granularities)
func binaryCrossEntropyMatchesNaiveAndFiniteDifferences(granularity: SampledNegatives.Granularity) {
    checkAgainstNaive(.binaryCrossEntropy, LossFixture(seed: 30, granularity: granularity))
}

@Test(arguments: granularities)
func generalizedBinaryCrossEntropyMatchesNaiveAndFiniteDifferences(granularity: SampledNegatives.Granularity) {
    checkAgainstNaive(.generalizedBinaryCrossEntropy(calibration: 0.75), LossFixture(seed: 40, granularity: granularity))
}

@Test func generalizedBinaryCrossEntropyWeightSpansBinaryCrossEntropyToSamplingRate() {
    #expect(GeneralizedBinaryCrossEntropyLoss.positiveWeight(calibration: 0, negatives: 8, itemCount: 101) == 1)
    let rate = GeneralizedBinaryCrossEntropyLoss.positiveWeight(calibration: 1, negatives: 8, itemCount: 101)
    #expect(abs(rate - 8.0 / 100) < 1e-15)
}

@Test func sampledCrossEntropyOverAllOtherItemsEqualsFullCrossEntropy() {
    var fixture = LossFixture(seed: 50, granularity: .perBatch, negatives: 7)
    // Every item 1...C is a negative; the target's own slot is a collision and drops out.
    fixture.negativeIDs = (1...Int32(fixture.itemCount)).map { $0 }
    let start = randomValues(fixture.itemTable.count, seed: 51)
    let sampled = fixture.run(SampledCrossEntropyLoss(backend: backend), dtype: .float64, itemTableGradientStart: start)
    let full = fixture.run(CrossEntropyLoss(backend: backend), dtype: .float64, itemTableGradientStart: start)
    #expect(abs(sampled.loss - full.loss) <= 1e-13 * abs(full.loss))
    #expect(relativeError(sampled.hiddenGradient, full.hiddenGradient) <= 1e-13)
    #expect(relativeError(sampled.itemTableGradient, full.itemTableGradient) <= 1e-13)
}

private let allKinds: [LossKind] = [.crossEntropy, .sampledCrossEntropy, .binaryCrossEntropy,
                                    .generalizedBinaryCrossEntropy(calibration: 0.5)]

@Test(arguments: granularities)
func float32AgreesWithFloat64(granularity: SampledNegatives.Granularity) {
    for kind in allKinds {
        let fixture = LossFixture(seed: 60, granularity: granularity,
                                  logQ: granularity == .perSequence ? .perItem : .none,
                                  sequences: 4, length: 8, dimension: 16, itemCount: 50, negatives: 6)
        let start = randomValues(fixture.itemTable.count, seed: 61)
        let single = fixture.run(kind.makeLoss(), dtype: .float32, itemTableGradientStart: start)
        let double = fixture.run(kind.makeLoss(), dtype: .float64, itemTableGradientStart: start)
        #expect(abs(single.loss - double.loss) <= 1e-5 * abs(double.loss), "\(kind) loss")
        #expect(relativeError(single.hiddenGradient, double.hiddenGradient) <= 1e-5, "\(kind) dH")
        let singleTable = zip(single.itemTableGradient, start).map { $0 - $1 }
        let doubleTable = zip(double.itemTableGradient, start).map { $0 - $1 }
        #expect(relativeError(singleTable, doubleTable) <= 1e-5, "\(kind) dE")
    }
}

@Test func lossesReuseTheirBuffersAcrossBatchesOfDifferentSizes() {
    for kind in allKinds {
        let loss = kind.makeLoss()
        let large = LossFixture(seed: 70, granularity: .perSequence, sequences: 3, length: 5)
        let small = LossFixture(seed: 71, granularity: .perSequence, sequences: 2, length: 3)
        let start = [Double](repeating: 0, count: large.itemTable.count)
        _ = large.run(loss, dtype: .float64, itemTableGradientStart: start)
        let reused = small.run(loss, dtype: .float64, itemTableGradientStart: start)
        let fresh = small.run(kind.makeLoss(), dtype: .float64, itemTableGradientStart: start)
        #expect(reused.loss == fresh.loss, "\(kind)")
        #expect(reused.hiddenGradient == fresh.hiddenGradient, "\(kind)")
        #expect(reused.itemTableGradient == fresh.itemTableGradient, "\(kind)")
    }
}

@Test func anAllPaddingBatchHasZeroLossAndZeroGradients() {
    for kind in allKinds {
        var fixture = LossFixture(seed: 80)
        fixture.targets = [Int32](repeating: 0, count: fixture.positions)
        let start = randomValues(fixture.itemTable.count, seed: 81)
        let result = fixture.run(kind.makeLoss(), dtype: .float64, itemTableGradientStart: start)
        #expect(result.loss == 0, "\(kind)")
        #expect(result.hiddenGradient.allSatisfy { $0 == 0 }, "\(kind)")
        #expect(result.itemTableGradient == start, "\(kind)")
    }
}

/// Large enough that every loss kernel splits its rows (and the gathered-dot backward its
/// columns) over several threads; checked by directional finite differences.
@Test(arguments: [SampledNegatives.Granularity.perPosition, .perSequence])
func multiThreadedKernelsMatchDirectionalFiniteDifferences(granularity: SampledNegatives.Granularity) {
    for kind in allKinds {
        let fixture = LossFixture(seed: 90, granularity: granularity, logQ: .perItem,
                                  sequences: 16, length: 32, dimension: 16, itemCount: 100, negatives: 32)
        let result = fixture.run(kind.makeLoss(), dtype: .float64,
                                 itemTableGradientStart: [Double](repeating: 0, count: fixture.itemTable.count))
        let expected = fixture.naiveLoss(kind, hidden: fixture.hidden, itemTable: fixture.itemTable)
        #expect(abs(result.loss - expected) <= 1e-12 * abs(expected), "\(kind) loss")
        let step = 1e-5
        let hiddenDirection = randomValues(fixture.hidden.count, seed: 91)
        let tableDirection = randomValues(fixture.itemTable.count, seed: 92)
        func moved(_ point: [Double], _ direction: [Double], _ amount: Double) -> [Double] {
            zip(point, direction).map { $0 + amount * $1 }
        }
        let hiddenSlope = (fixture.naiveLoss(kind, hidden: moved(fixture.hidden, hiddenDirection, step), itemTable: fixture.itemTable)
            - fixture.naiveLoss(kind, hidden: moved(fixture.hidden, hiddenDirection, -step), itemTable: fixture.itemTable)) / (2 * step)
        let tableSlope = (fixture.naiveLoss(kind, hidden: fixture.hidden, itemTable: moved(fixture.itemTable, tableDirection, step))
            - fixture.naiveLoss(kind, hidden: fixture.hidden, itemTable: moved(fixture.itemTable, tableDirection, -step))) / (2 * step)
        #expect(relativeError([weightedSum(result.hiddenGradient, hiddenDirection)], [hiddenSlope]) <= 1e-6, "\(kind) dH")
        #expect(relativeError([weightedSum(result.itemTableGradient, tableDirection)], [tableSlope]) <= 1e-6, "\(kind) dE")
    }
}
