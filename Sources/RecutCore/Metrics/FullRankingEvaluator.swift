import Dispatch
import Foundation

/// Ranks each case's target against the whole catalog and accumulates `RankingMetrics`.
///
/// The protocol is the one of the PyTorch SASRec reference (shared/bench/sasrec_reference.py):
/// rank = number of items 1...C scored strictly above the target (padding item 0 never
/// counts); with `maskInputItems`, the items of the case's input sequence are scored
/// -infinity first, except the target, which keeps its score. A NaN target score counts as
/// -infinity, so a diverged model never looks good. Top lists skip items scored -infinity.
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
        let workers = (0..<workerCount).map { _ in
            RankingWorker(metrics: RankingMetrics(ks: ks, catalogSize: catalogSize), selector: TopItemSelector(capacity: ks.max()!))
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
                                rankRow(row, of: rows, selector: &worker.selector, into: &worker.metrics)
                            }
                        }
                    }
                }
            }
        }
        var total = RankingMetrics(ks: ks, catalogSize: catalogSize)
        for worker in workers { total.merge(worker.metrics) }
        return total
    }

    /// Masks, ranks and selects the top list of one row, and adds the case to `metrics`.
    private func rankRow(_ row: Int, of rows: RowSource, selector: inout TopItemSelector, into metrics: inout RankingMetrics) {
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
        let threshold = targetScore.isNaN ? -Float.infinity : targetScore
        // Two passes over the row: a SIMD count (a per-item branch mispredicts on real scores),
        // then the selection, whose heap is rarely touched once full.
        let rank = Self.countScores(above: threshold, in: UnsafeBufferPointer(start: scores + 1, count: catalogSize))
        var admission = selector.admissionScore
        for item in 1...catalogSize {
            let score = scores[item]
            // Strict: items come in ascending id order, so one tying the worst kept item loses the tie.
            if score > admission {
                selector.offer(item: Int32(item), score: score)
                admission = selector.admissionScore
            }
        }
        selector.drainBestFirst { metrics.add(rank: rank, topItems: $0) }
    }
}

extension FullRankingEvaluator {
    /// Number of entries of `scores` strictly greater than `threshold` (NaN entries never count).
    fileprivate static func countScores(above threshold: Float, in scores: UnsafeBufferPointer<Float>) -> Int {
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
private final class RankingWorker: @unchecked Sendable {
    var metrics: RankingMetrics
    var selector: TopItemSelector

    init(metrics: RankingMetrics, selector: TopItemSelector) {
        self.metrics = metrics
        self.selector = selector
    }
}
