import Dispatch
import Foundation

/// Ranks each case's target against the whole catalog and accumulates `RankingMetrics`.
///
/// The protocol is the one of the PyTorch SASRec reference (shared/bench/sasrec_reference.py):
/// rank = number of items 1...C scored strictly above the target (padding item 0 never
/// counts); with `maskInputItems`, the items of the case's input sequence are scored
/// -infinity first, except the target, which keeps its score. A target scored NaN or
/// infinite gets rank `catalogSize`, below every item, so a diverged model never looks
/// good. Top lists skip items scored -infinity or NaN.
public struct FullRankingEvaluator: Sendable {
    /// Number of rankable items C; score rows have C + 1 entries, column 0 being padding.
    public let catalogSize: Int
    /// Cutoffs of the metrics; the largest is the length of each case's top list.
    public let ks: [Int]
    /// Whether items already in a case's input sequence are excluded from its ranking.
    public let maskInputItems: Bool

    /// An evaluator over items 1...`catalogSize` reporting at the cutoffs `ks`.
    public init(catalogSize: Int, ks: [Int], maskInputItems: Bool) {
        precondition(catalogSize > 0, "the catalog must hold at least one item (got \(catalogSize))")
        precondition(!ks.isEmpty && ks.allSatisfy { $0 > 0 }, "cutoffs must be >= 1 and at least one (got \(ks))")
        self.catalogSize = catalogSize
        self.ks = ks
        self.maskInputItems = maskInputItems
    }

    /// Scores every case `batchSize` at a time with `scorer` and returns the metrics of all cases.
    ///
    /// Case `i` has input sequence `inputs[i]` and target `targets[i]`. `scorer(cases, &scores)`
    /// must fill all of `scores`, row-major `[cases.count, catalogSize + 1]`; column 0 is ignored.
    /// The rows are ranked in parallel across the processor's cores.
    public func evaluate(
        inputs: Sequences, targets: [Int32], batchSize: Int,
        scorer: (_ cases: Range<Int>, _ scores: inout [Float]) throws -> Void
    ) rethrows -> RankingMetrics {
        let workers = try rankAll(inputs: inputs, targets: targets, batchSize: batchSize, scorer: scorer) { _ in
            RankingMetrics(ks: ks, catalogSize: catalogSize)
        } record: { metrics, _, rank, topItems in
            metrics.add(rank: rank, topItems: topItems)
        }
        var total = RankingMetrics(ks: ks, catalogSize: catalogSize)
        for worker in workers { total.merge(worker) }
        return total
    }

    /// Each case's rank and top list (of the largest cutoff's length), scored as `evaluate` scores them.
    ///
    /// The reference that the `RankingBackend` ops are checked against.
    public func rankings(
        inputs: Sequences, targets: [Int32], batchSize: Int,
        scorer: (_ cases: Range<Int>, _ scores: inout [Float]) throws -> Void
    ) rethrows -> CaseRankings {
        let topCount = ks.max()!
        let output = CaseRankingsBuffer(count: targets.count, topCount: topCount)
        _ = try rankAll(inputs: inputs, targets: targets, batchSize: batchSize, scorer: scorer) { _ in
            output
        } record: { output, caseIndex, rank, topItems in
            output.ranks[caseIndex] = Int32(rank)
            for (position, item) in topItems.enumerated() { output.topItems[caseIndex * topCount + position] = item }
        }
        return CaseRankings(topCount: topCount, ranks: Array(output.ranks), topItems: Array(output.topItems))
    }

    /// Scores the cases batch by batch and hands each case's rank and top list to `record`,
    /// with the accumulator of the worker that ranked it; returns the workers' accumulators.
    private func rankAll<Accumulator>(
        inputs: Sequences, targets: [Int32], batchSize: Int,
        scorer: (_ cases: Range<Int>, _ scores: inout [Float]) throws -> Void,
        makeAccumulator: (Int) -> Accumulator,
        record: @escaping @Sendable (inout Accumulator, _ caseIndex: Int, _ rank: Int, _ topItems: UnsafeBufferPointer<Int32>) -> Void
    ) rethrows -> [Accumulator] {
        precondition(inputs.count == targets.count, "\(inputs.count) input sequences but \(targets.count) targets")
        precondition(batchSize > 0, "batch size must be at least 1 (got \(batchSize))")
        for (index, target) in targets.enumerated() {
            precondition(target >= 1 && Int(target) <= catalogSize, "target \(target) of case \(index) is outside 1...\(catalogSize)")
        }
        if maskInputItems {
            precondition((0..<inputs.count).allSatisfy { inputs[$0].allSatisfy { $0 >= 0 && Int($0) <= catalogSize } },
                         "an input item is outside 0...\(catalogSize)")
        }
        let rowWidth = catalogSize + 1
        let workerCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount, batchSize))
        let workers = (0..<workerCount).map { w in
            RankingWorker(accumulator: makeAccumulator(w), selector: TopItemSelector(capacity: ks.max()!))
        }
        var scores: [Float] = []
        for start in stride(from: 0, to: targets.count, by: batchSize) {
            let cases = start..<min(start + batchSize, targets.count)
            if scores.count != cases.count * rowWidth { scores = [Float](repeating: 0, count: cases.count * rowWidth) }
            try scorer(cases, &scores)
            precondition(scores.count == cases.count * rowWidth,
                         "the scorer must leave \(cases.count) x \(rowWidth) scores (got \(scores.count))")
            scores.withUnsafeMutableBufferPointer { scoreBuffer in
                inputs.itemStorage.withUnsafeBufferPointer { inputItems in
                    targets.withUnsafeBufferPointer { targetItems in
                        let rows = RowSource(scores: scoreBuffer, inputs: inputs, inputItems: inputItems,
                                             targets: targetItems, firstCase: cases.lowerBound, rowWidth: rowWidth)
                        let activeWorkers = min(workerCount, cases.count)
                        // Worker w owns a contiguous slice of the batch's rows and its own accumulator.
                        DispatchQueue.concurrentPerform(iterations: activeWorkers) { w in
                            let worker = workers[w]
                            let rowRange = cases.count * w / activeWorkers..<cases.count * (w + 1) / activeWorkers
                            for row in rowRange {
                                let rank = rankRow(row, of: rows, selector: &worker.selector)
                                worker.selector.drainBestFirst {
                                    record(&worker.accumulator, rows.firstCase + row, rank, $0)
                                }
                            }
                        }
                    }
                }
            }
        }
        return workers.map(\.accumulator)
    }

    /// Masks and ranks one row and leaves its top list in `selector`; returns the target's rank.
    private func rankRow(_ row: Int, of rows: RowSource, selector: inout TopItemSelector) -> Int {
        let scores = rows.scores.baseAddress! + row * rows.rowWidth
        let caseIndex = rows.firstCase + row
        let target = Int(rows.targets[caseIndex])
        let targetScore = scores[target]
        if maskInputItems {
            for position in rows.inputs.range(of: caseIndex) {
                scores[Int(rows.inputItems[position])] = -.infinity
            }
            scores[target] = targetScore
        }
        // Two passes over the row: a SIMD count (a per-item branch mispredicts on real scores),
        // then the selection, whose heap is rarely touched once full.
        let items = UnsafeBufferPointer(start: scores + 1, count: catalogSize)
        selector.offer(scores: items, firstItem: 1)
        return targetScore.isFinite ? Self.countScores(above: targetScore, in: items) : missRank
    }
}

extension FullRankingEvaluator {
    /// The rank of a target scored NaN or infinite: the catalog's size, below every item, so
    /// a miss at every cutoff up to the catalog's size.
    public var missRank: Int { catalogSize }

    /// Number of entries of `scores` strictly greater than `threshold` (NaN entries never count).
    public static func countScores(above threshold: Float, in scores: UnsafeBufferPointer<Float>) -> Int {
        let lanes = SIMD8<Float>.scalarCount
        let wideThreshold = SIMD8<Float>(repeating: threshold)
        let raw = UnsafeRawPointer(scores.baseAddress!)
        var wideCount = SIMD8<Int32>.zero
        var index = 0
        // Int32 lanes cannot overflow: each lane counts at most scores.count / 8 < 2^31 entries.
        while index + lanes <= scores.count {
            let chunk = raw.loadUnaligned(fromByteOffset: index * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
            wideCount &+= SIMD8<Int32>.zero.replacing(with: 1, where: chunk .> wideThreshold)
            index += lanes
        }
        var count = Int(wideCount.wrappedSum())
        while index < scores.count {
            if scores[index] > threshold { count += 1 }
            index += 1
        }
        return count
    }
}

/// One batch's scores and the case data needed to rank its rows, as raw buffers for the workers.
private struct RowSource: @unchecked Sendable {
    let scores: UnsafeMutableBufferPointer<Float>
    /// The input sequences, read only; `inputItems` is their item storage.
    let inputs: Sequences
    let inputItems: UnsafeBufferPointer<Int32>
    let targets: UnsafeBufferPointer<Int32>
    let firstCase: Int
    let rowWidth: Int
}

/// A worker's accumulator and top-list scratch, reused across batches; only its own worker touches it.
private final class RankingWorker<Accumulator>: @unchecked Sendable {
    var accumulator: Accumulator
    var selector: TopItemSelector

    init(accumulator: Accumulator, selector: TopItemSelector) {
        self.accumulator = accumulator
        self.selector = selector
    }
}

/// The per-case outputs of `rankings`, written by the workers at disjoint indices (raw memory:
/// concurrent writes through an array property would conflict under exclusivity checking).
private final class CaseRankingsBuffer: @unchecked Sendable {
    let ranks: UnsafeMutableBufferPointer<Int32>
    let topItems: UnsafeMutableBufferPointer<Int32>

    init(count: Int, topCount: Int) {
        ranks = .allocate(capacity: count)
        ranks.initialize(repeating: 0)
        topItems = .allocate(capacity: count * topCount)
        topItems.initialize(repeating: 0)
    }

    deinit {
        ranks.deallocate()
        topItems.deallocate()
    }
}
