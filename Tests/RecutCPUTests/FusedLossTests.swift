import Testing
import RecutCore
import RecutCPU
import RecutData

// The fused losses `cce-` and `cce` against their materialised twins `ce-` and `ce`, finite
// differences, the gradient-filtering bound and their O(N) memory.

private let granularities: [SampledNegatives.Granularity] = [.perPosition, .perSequence, .perBatch]

/// Runs `fused` and `materialised` on one fixture in `dtype` and expects the same loss, dH and
/// dE within `tolerance` (relative to the largest element).
private func expectSameResults(_ fused: any TrainingLoss, _ materialised: any TrainingLoss,
                               _ fixture: LossFixture, dtype: DType, tolerance: Double) {
    let start = randomValues(fixture.itemTable.count, seed: 5)
    let actual = fixture.run(fused, dtype: dtype, itemTableGradientStart: start)
    let expected = fixture.run(materialised, dtype: dtype, itemTableGradientStart: start)
    let label = "\(fused.name) vs \(materialised.name) in \(dtype)"
    #expect(abs(actual.loss - expected.loss) <= tolerance * abs(expected.loss), "\(label) loss")
    #expect(relativeError(actual.hiddenGradient, expected.hiddenGradient) <= tolerance, "\(label) dH")
    let actualTable = zip(actual.itemTableGradient, start).map { $0 - $1 }
    let expectedTable = zip(expected.itemTableGradient, start).map { $0 - $1 }
    #expect(relativeError(actualTable, expectedTable) <= tolerance, "\(label) dE")
}

/// K = 70 spans a full and a partial tile of 64 negatives; the fixture has padding rows,
/// collisions with the target, an empty slot and repeated ids.
@Test(arguments: granularities, LogQMode.allCases)
func fusedSampledCrossEntropyEqualsMaterialised(granularity: SampledNegatives.Granularity, logQ: LogQMode) {
    let fixture = LossFixture(seed: 200, granularity: granularity, logQ: logQ,
                              sequences: 3, length: 8, dimension: 8, itemCount: 40, negatives: 70)
    for (dtype, tolerance) in [(DType.float64, 1e-12), (.float32, 1e-5)] {
        expectSameResults(FusedSampledCrossEntropyLoss(backend: backend, gradientFiltering: false),
                          SampledCrossEntropyLoss(backend: backend), fixture, dtype: dtype, tolerance: tolerance)
    }
}

/// Large enough that the row passes split their rows over several chunks.
@Test(arguments: granularities)
func multiThreadedFusedSampledCrossEntropyEqualsMaterialised(granularity: SampledNegatives.Granularity) {
    let fixture = LossFixture(seed: 205, granularity: granularity, logQ: .perItem,
                              sequences: 16, length: 32, dimension: 16, itemCount: 100, negatives: 32)
    expectSameResults(FusedSampledCrossEntropyLoss(backend: backend, gradientFiltering: false),
                      SampledCrossEntropyLoss(backend: backend), fixture, dtype: .float64, tolerance: 1e-12)
}

/// N = 80 rows and C = 600 items span two row tiles and three item tiles (the last partial).
@Test func fusedCrossEntropyEqualsMaterialised() {
    let fixture = LossFixture(seed: 210, sequences: 5, length: 16, dimension: 8, itemCount: 600)
    for (dtype, tolerance) in [(DType.float64, 1e-12), (.float32, 1e-5)] {
        expectSameResults(FusedCrossEntropyLoss(backend: backend, gradientFiltering: false),
                          CrossEntropyLoss(backend: backend), fixture, dtype: dtype, tolerance: tolerance)
    }
}

/// The value against the naive loss, dH and dE against central finite differences, dE
/// accumulated, padding rows and the padding item untouched; float64.
private func expectFiniteDifferences(_ loss: any TrainingLoss, _ kind: LossKind, _ fixture: LossFixture) {
    let start = randomValues(fixture.itemTable.count, seed: 7)
    let result = fixture.run(loss, dtype: .float64, itemTableGradientStart: start)
    let expected = fixture.naiveLoss(kind, hidden: fixture.hidden, itemTable: fixture.itemTable)
    #expect(abs(result.loss - expected) <= 1e-12 * abs(expected), "\(loss.name) loss")
    let numericalHidden = numericalGradient(at: fixture.hidden) {
        fixture.naiveLoss(kind, hidden: $0, itemTable: fixture.itemTable)
    }
    let numericalTable = numericalGradient(at: fixture.itemTable) {
        fixture.naiveLoss(kind, hidden: fixture.hidden, itemTable: $0)
    }
    let tableGradient = zip(result.itemTableGradient, start).map { $0 - $1 }
    #expect(relativeError(result.hiddenGradient, numericalHidden) <= 1e-6, "\(loss.name) dH")
    #expect(relativeError(tableGradient, numericalTable) <= 1e-6, "\(loss.name) dE")
    for n in 0..<fixture.positions where fixture.targets[n] == 0 {
        let row = result.hiddenGradient[(n * fixture.dimension)..<((n + 1) * fixture.dimension)]
        #expect(row.allSatisfy { $0 == 0 }, "\(loss.name) dH of padding position \(n)")
    }
    #expect(tableGradient[0..<fixture.dimension].allSatisfy { $0 == 0 }, "\(loss.name) dE of the padding item")
}

@Test(arguments: granularities, LogQMode.allCases)
func fusedSampledCrossEntropyMatchesFiniteDifferences(granularity: SampledNegatives.Granularity, logQ: LogQMode) {
    expectFiniteDifferences(FusedSampledCrossEntropyLoss(backend: backend, gradientFiltering: false),
                            .sampledCrossEntropy, LossFixture(seed: 220, granularity: granularity, logQ: logQ))
}

@Test func fusedCrossEntropyMatchesFiniteDifferences() {
    expectFiniteDifferences(FusedCrossEntropyLoss(backend: backend, gradientFiltering: false),
                            .crossEntropy, LossFixture(seed: 230))
}

/// Several row and item tiles, checked along random directions (a full finite-difference
/// gradient would take too many naive evaluations).
@Test func fusedCrossEntropyMatchesDirectionalFiniteDifferencesAcrossTiles() {
    let fixture = LossFixture(seed: 240, sequences: 5, length: 16, dimension: 8, itemCount: 600)
    let result = fixture.run(FusedCrossEntropyLoss(backend: backend, gradientFiltering: false), dtype: .float64,
                             itemTableGradientStart: [Double](repeating: 0, count: fixture.itemTable.count))
    let step = 1e-5
    func moved(_ point: [Double], _ direction: [Double], _ amount: Double) -> [Double] {
        zip(point, direction).map { $0 + amount * $1 }
    }
    let hiddenDirection = randomValues(fixture.hidden.count, seed: 241)
    let tableDirection = randomValues(fixture.itemTable.count, seed: 242)
    let hiddenSlope = (fixture.naiveLoss(.crossEntropy, hidden: moved(fixture.hidden, hiddenDirection, step), itemTable: fixture.itemTable)
        - fixture.naiveLoss(.crossEntropy, hidden: moved(fixture.hidden, hiddenDirection, -step), itemTable: fixture.itemTable)) / (2 * step)
    let tableSlope = (fixture.naiveLoss(.crossEntropy, hidden: fixture.hidden, itemTable: moved(fixture.itemTable, tableDirection, step))
        - fixture.naiveLoss(.crossEntropy, hidden: fixture.hidden, itemTable: moved(fixture.itemTable, tableDirection, -step))) / (2 * step)
    #expect(relativeError([weightedSum(result.hiddenGradient, hiddenDirection)], [hiddenSlope]) <= 1e-6, "cce dH")
    #expect(relativeError([weightedSum(result.itemTableGradient, tableDirection)], [tableSlope]) <= 1e-6, "cce dE")
}

// MARK: Gradient filtering

/// The gradients of one fused backward pass, run straight on the backend in float64 with an
/// explicit filter threshold.
private func fusedGradients(_ fixture: LossFixture, full: Bool, threshold: Double)
    -> (hidden: [Double], table: [Double]) {
    let n = fixture.positions, d = fixture.dimension, k = fixture.negativesPerPosition, c = fixture.itemCount
    let hidden = tensor(fixture.hidden, [n, d]), table = tensor(fixture.itemTable, [c + 1, d])
    let targets = backend.upload(fixture.targets, shape: [n])
    let positive = backend.makeTensor(shape: [n], dtype: .float64)
    let logSumExp = backend.makeTensor(shape: [n], dtype: .float64)
    let losses = backend.makeTensor(shape: [n], dtype: .float64)
    let hiddenGradient = backend.makeTensor(shape: [n, d], dtype: .float64)
    let tableGradient = backend.makeTensor(shape: [c + 1, d], dtype: .float64)
    let scale = 1 / Double(fixture.targets.filter { $0 != 0 }.count)
    backend.gatheredDotForward(positive, hidden: hidden, table: table, ids: targets, rows: n, idsPerRow: 1, dimension: d)
    if full {
        backend.fullLogSumExpForward(logSumExp, losses: losses, positiveLogits: positive, hidden: hidden, table: table,
                                     targets: targets, rows: n, itemCount: c, dimension: d)
        backend.fullLogSumExpBackward(hiddenGradient: hiddenGradient, tableGradient: tableGradient, logSumExp: logSumExp,
                                      hidden: hidden, table: table, targets: targets, rows: n, itemCount: c, dimension: d,
                                      gradientScale: scale, filterThreshold: threshold)
    } else {
        let ids = backend.upload(fixture.negativeIDs, shape: fixture.negativeShape)
        let perRow = fixture.granularity == .perPosition ? 1 : fixture.granularity == .perSequence ? fixture.length : n
        backend.sampledLogSumExpForward(logSumExp, losses: losses, positiveLogits: positive, hidden: hidden, table: table,
                                        targets: targets, negativeIDs: .stored(ids), logQ: nil,
                                        rows: n, negatives: k, rowsPerNegativeRow: perRow, dimension: d)
        backend.sampledLogSumExpBackward(hiddenGradient: hiddenGradient, tableGradient: tableGradient,
                                         logSumExp: logSumExp, positiveLogits: positive, hidden: hidden, table: table,
                                         targets: targets, negativeIDs: .stored(ids), logQ: nil,
                                         rows: n, negatives: k, rowsPerNegativeRow: perRow, dimension: d,
                                         gradientScale: scale, filterThreshold: threshold)
    }
    return (values(hiddenGradient), values(tableGradient))
}

/// The bound on what filtering may change: every dropped weight w has |w| < threshold, and
/// it enters dH[n] as scale * w * E[id] and dE[id] as scale * w * H[n], so
/// |ΔdH[n, c]| ≤ scale * threshold * Σ_{candidates id of n} |E[id, c]| and
/// |ΔdE[id, c]| ≤ scale * threshold * Σ_{rows n with candidate id} |H[n, c]|, where the
/// candidates are the target and the counted negatives (`cce-`) or all items (`cce`).
private func filteringBound(_ fixture: LossFixture, full: Bool, threshold: Double)
    -> (hidden: [Double], table: [Double]) {
    let d = fixture.dimension, k = fixture.negativesPerPosition
    var hidden = [Double](repeating: 0, count: fixture.hidden.count)
    var table = [Double](repeating: 0, count: fixture.itemTable.count)
    let rows = fixture.targets.indices.filter { fixture.targets[$0] != 0 }
    let scale = 1 / Double(rows.count)
    for n in rows {
        let target = fixture.targets[n]
        let negatives = (0..<k).map { fixture.negativeIDs[fixture.firstSlot(ofPosition: n) + $0] }
            .filter { $0 != 0 && $0 != target }
        let candidates = full ? Array(1...Int32(fixture.itemCount)) : [target] + negatives
        for id in candidates {
            for c in 0..<d {
                hidden[n * d + c] += scale * threshold * abs(fixture.itemTable[Int(id) * d + c])
                table[Int(id) * d + c] += scale * threshold * abs(fixture.hidden[n * d + c])
            }
        }
    }
    return (hidden, table)
}

/// Expects |filtered - unfiltered| ≤ bound + rounding slack elementwise and, unless the change
/// is expected to vanish in rounding, that filtering dropped something (else the check proves nothing).
private func expectWithinBound(_ filtered: [Double], _ unfiltered: [Double], _ bound: [Double],
                               slack: Double, requireChange: Bool = true, _ label: String) {
    let magnitude = unfiltered.map(abs).max() ?? 0
    var changed = 0
    for i in filtered.indices {
        let difference = abs(filtered[i] - unfiltered[i])
        if difference > 0 { changed += 1 }
        #expect(difference <= bound[i] + slack * magnitude, "\(label) element \(i): \(difference) > \(bound[i])")
    }
    #expect(!requireChange || changed > 0, "\(label): filtering dropped nothing")
}

/// A threshold of 0.02 drops most of the ~1/71 negative weights of `cce-` one by one.
@Test(arguments: granularities)
func sampledFilteringStaysWithinItsBound(granularity: SampledNegatives.Granularity) {
    let fixture = LossFixture(seed: 250, granularity: granularity,
                              sequences: 3, length: 8, dimension: 8, itemCount: 40, negatives: 70)
    let threshold = 0.02
    let filtered = fusedGradients(fixture, full: false, threshold: threshold)
    let unfiltered = fusedGradients(fixture, full: false, threshold: 0)
    let bound = filteringBound(fixture, full: false, threshold: threshold)
    expectWithinBound(filtered.hidden, unfiltered.hidden, bound.hidden, slack: 1e-14, "cce- dH")
    expectWithinBound(filtered.table, unfiltered.table, bound.table, slack: 1e-14, "cce- dE")
}

/// With every target among the first 256 items (the CPU's first item tile), a threshold of 0.2
/// skips the whole tiles of the ~1/1200 weights beyond it.
@Test func fullFilteringSkipsTilesWithinItsBound() {
    var fixture = LossFixture(seed: 260, sequences: 5, length: 16, dimension: 8, itemCount: 1200)
    fixture.targets = fixture.targets.map { $0 == 0 ? 0 : 1 + $0 % 50 }
    let threshold = 0.2
    let filtered = fusedGradients(fixture, full: true, threshold: threshold)
    let unfiltered = fusedGradients(fixture, full: true, threshold: 0)
    let bound = filteringBound(fixture, full: true, threshold: threshold)
    expectWithinBound(filtered.hidden, unfiltered.hidden, bound.hidden, slack: 1e-14, "cce dH")
    expectWithinBound(filtered.table, unfiltered.table, bound.table, slack: 1e-14, "cce dE")
    let d = fixture.dimension
    #expect(filtered.table[(257 * d)...].allSatisfy { $0 == 0 }, "cce dE beyond the first item tile")
}

/// Two clusters: every H row scores the first 256 items about 24 above the rest, so in float32
/// the weights of the rest fall below the default threshold 2^-28 and are dropped.
private func clusteredFixture(granularity: SampledNegatives.Granularity, itemCount: Int, negatives: Int) -> LossFixture {
    var fixture = LossFixture(seed: 270, granularity: granularity, sequences: 4, length: 8, dimension: 8,
                              itemCount: itemCount, negatives: negatives)
    let noise = randomValues(fixture.hidden.count + fixture.itemTable.count, seed: 271, scale: 0.3)
    fixture.hidden = fixture.hidden.indices.map { 3 + noise[$0] }
    fixture.itemTable = fixture.itemTable.indices.map { i in
        (i / fixture.dimension <= 256 ? 0.5 : -0.5) + noise[fixture.hidden.count + i]
    }
    fixture.targets = fixture.targets.map { $0 == 0 ? 0 : 1 + $0 % 200 }
    return fixture
}

@Test func defaultThresholdFiltersTheFloat32FusedLossesWithinTheirBound() {
    let threshold = GradientFilter.threshold(for: .float32)
    #expect(threshold == 0x1p-28)
    #expect(GradientFilter.threshold(for: .float64) == 0x1p-57)
    let cases: [(any TrainingLoss, any TrainingLoss, LossFixture, Bool)] = [
        (FusedCrossEntropyLoss(backend: backend), FusedCrossEntropyLoss(backend: backend, gradientFiltering: false),
         clusteredFixture(granularity: .perPosition, itemCount: 600, negatives: 3), true),
        (FusedSampledCrossEntropyLoss(backend: backend),
         FusedSampledCrossEntropyLoss(backend: backend, gradientFiltering: false),
         clusteredFixture(granularity: .perPosition, itemCount: 600, negatives: 100), false),
    ]
    for (filteredLoss, unfilteredLoss, fixture, full) in cases {
        let start = [Double](repeating: 0, count: fixture.itemTable.count)
        let filtered = fixture.run(filteredLoss, dtype: .float32, itemTableGradientStart: start)
        let unfiltered = fixture.run(unfilteredLoss, dtype: .float32, itemTableGradientStart: start)
        #expect(filtered.loss == unfiltered.loss, "\(filteredLoss.name): filtering changes only gradients")
        let bound = filteringBound(fixture, full: full, threshold: threshold)
        // A dropped weight below 2^-28 vanishes in the float32 rounding of dH, whose terms are
        // of order 1; it shows in the rows of dE that only such weights reach.
        expectWithinBound(filtered.hiddenGradient, unfiltered.hiddenGradient, bound.hidden, slack: 1e-6,
                          requireChange: false, "\(filteredLoss.name) dH")
        expectWithinBound(filtered.itemTableGradient, unfiltered.itemTableGradient, bound.table, slack: 1e-6,
                          "\(filteredLoss.name) dE")
    }
}

// MARK: Memory and edge cases

/// The fused losses own only three [N] vectors (the CPU passes add per-thread tiles of fixed
/// size), never a buffer of N * K or N * C elements, and reuse them for smaller batches.
@Test func fusedLossesKeepOnlyPerRowVectors() {
    let sampled = FusedSampledCrossEntropyLoss(backend: backend)
    let full = FusedCrossEntropyLoss(backend: backend)
    let large = LossFixture(seed: 280, granularity: .perPosition, sequences: 2, length: 16, dimension: 8,
                            itemCount: 600, negatives: 200)
    let small = LossFixture(seed: 281, granularity: .perPosition, sequences: 2, length: 4, dimension: 8,
                            itemCount: 600, negatives: 200)
    let start = [Double](repeating: 0, count: large.itemTable.count)
    let n = large.positions
    for fixture in [large, small] {
        _ = fixture.run(sampled, dtype: .float32, itemTableGradientStart: start)
        _ = fixture.run(full, dtype: .float32, itemTableGradientStart: start)
        #expect(sampled.scratchElementCount == 3 * n, "cce- keeps \(sampled.scratchElementCount) elements")
        #expect(full.scratchElementCount == 3 * n, "cce keeps \(full.scratchElementCount) elements")
    }
    #expect(3 * n < n * large.negativesPerPosition && 3 * n < n * large.itemCount)
}

@Test func fusedLossesOfAnAllPaddingBatchAreZero() {
    let losses: [any TrainingLoss] = [FusedSampledCrossEntropyLoss(backend: backend), FusedCrossEntropyLoss(backend: backend)]
    for loss in losses {
        var fixture = LossFixture(seed: 290)
        fixture.targets = [Int32](repeating: 0, count: fixture.positions)
        let start = randomValues(fixture.itemTable.count, seed: 291)
        let result = fixture.run(loss, dtype: .float64, itemTableGradientStart: start)
        #expect(result.loss == 0, "\(loss.name)")
        #expect(result.hiddenGradient.allSatisfy { $0 == 0 }, "\(loss.name)")
        #expect(result.itemTableGradient == start, "\(loss.name)")
    }
}

/// Drawn negatives (regenerated by the passes) train exactly like the same ids stored.
@Test func drawnNegativesEqualTheSameIDsStored() throws {
    let rows = 24, dimension = 8, items = 50, count = 33, step = 17
    let sampler = try NegativeSampler(catalogSize: items, distribution: .popularity(counts: [0] + (1...items).map { $0 % 5 }),
                                      seed: 99)
    let targets = (0..<rows).map { Int32($0 % 7 == 0 ? 0 : 1 + $0 % items) }
    let ids = targets.withUnsafeBufferPointer {
        sampler.ids(count: count, targets: $0, positionsPerGroup: 1, resampling: false, step: step)
    }
    let hidden = backend.upload(randomValues(rows * dimension, seed: 1).map(Float.init), shape: [rows, dimension])
    let table = backend.upload(randomValues((items + 1) * dimension, seed: 2).map(Float.init), shape: [items + 1, dimension])
    let targetTensor = backend.upload(targets, shape: [rows])
    var results: [[Float]] = []
    for negatives in [SampledNegatives(drawnBy: DeviceNegativeSampler(sampler, on: backend), step: step, count: count),
                      SampledNegatives(ids: backend.upload(ids, shape: [rows, count]), granularity: .perPosition)] {
        let hiddenGradient = backend.makeTensor(shape: [rows, dimension], dtype: .float32)
        let tableGradient = backend.makeTensor(shape: [items + 1, dimension], dtype: .float32)
        let loss = FusedSampledCrossEntropyLoss(backend: backend, gradientFiltering: false).forwardBackward(
            hidden: hidden, itemTable: table, hiddenGradient: hiddenGradient, itemTableGradient: tableGradient,
            targets: targetTensor, negatives: negatives, positions: rows)
        results.append([Float(loss)] + backend.download(hiddenGradient) + backend.download(tableGradient))
    }
    #expect(results[0] == results[1])
}
