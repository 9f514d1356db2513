import Foundation

/// Full-ranking quality over many evaluation cases: NDCG@k, HR@k, MRR@k and coverage@k
/// for every cutoff in `ks`, each case having one relevant (target) item.
///
/// Cases are kept as a histogram of target ranks below the largest cutoff plus, per item,
/// the best position it reached in any case's top list; both merge exactly, so sharded or
/// multi-threaded evaluation gives bit-identical results to a single pass.
public struct RankingMetrics: Sendable, Codable, Equatable {
    /// The cutoffs reported by `summary`, in the order given.
    public let ks: [Int]
    /// Number of rankable items C (ids 1...C); the denominator of coverage.
    public let catalogSize: Int
    /// Number of cases added.
    public private(set) var count: Int
    /// `casesAtRank[r]`: cases whose target had rank `r` (0-based), for `r` below the largest cutoff.
    private var casesAtRank: [Int]
    /// Smallest 0-based position at which each item appeared in a case's top list,
    /// `Int32.max` if never; index 0 (padding) is unused.
    private var bestPosition: [Int32]

    /// An empty accumulator for the cutoffs `ks` (each at least 1) over a catalog of `catalogSize` items.
    public init(ks: [Int], catalogSize: Int) {
        precondition(!ks.isEmpty && ks.allSatisfy { $0 > 0 }, "RankingMetrics needs at least one cutoff, each >= 1 (got \(ks))")
        precondition(catalogSize > 0, "RankingMetrics needs a catalog of at least one item (got \(catalogSize))")
        self.ks = ks
        self.catalogSize = catalogSize
        count = 0
        casesAtRank = [Int](repeating: 0, count: ks.max()!)
        bestPosition = [Int32](repeating: .max, count: catalogSize + 1)
    }

    /// The largest cutoff: metrics can be read at any `k` in `1...largestK`.
    public var largestK: Int { casesAtRank.count }

    /// Adds one case: its target's 0-based `rank` (number of items scored strictly above it)
    /// and its recommended items best first (only the first `largestK` are used, for coverage).
    public mutating func add(rank: Int, topItems: some Collection<Int32>) {
        precondition(rank >= 0, "a rank counts items, it cannot be negative (got \(rank))")
        count += 1
        if rank < casesAtRank.count { casesAtRank[rank] += 1 }
        var position: Int32 = 0
        for item in topItems.prefix(casesAtRank.count) {
            precondition(item >= 1 && Int(item) <= catalogSize, "top item \(item) is outside the catalog 1...\(catalogSize)")
            if position < bestPosition[Int(item)] { bestPosition[Int(item)] = position }
            position += 1
        }
    }

    /// Adds every case of `other`, which must have the same cutoffs and catalog size.
    public mutating func merge(_ other: RankingMetrics) {
        precondition(ks == other.ks && catalogSize == other.catalogSize,
                     "cannot merge metrics with cutoffs \(other.ks) over \(other.catalogSize) items into \(ks) over \(catalogSize)")
        count += other.count
        for r in casesAtRank.indices { casesAtRank[r] += other.casesAtRank[r] }
        for item in bestPosition.indices where other.bestPosition[item] < bestPosition[item] {
            bestPosition[item] = other.bestPosition[item]
        }
    }

    /// The cases of both accumulators together (for sharded evaluation).
    public func merged(with other: RankingMetrics) -> RankingMetrics {
        var result = self
        result.merge(other)
        return result
    }

    /// Mean NDCG@k with one relevant item: 1/log2(rank + 2) when rank < k, else 0. Zero when empty.
    public func ndcg(at k: Int) -> Double {
        mean(at: k) { rank in 1 / log2(Double(rank + 2)) }
    }

    /// Fraction of cases whose target ranks within the top `k` (HR@k). Zero when empty.
    public func hitRate(at k: Int) -> Double {
        mean(at: k) { _ in 1 }
    }

    /// Mean reciprocal rank cut at `k`: 1/(rank + 1) when rank < k, else 0. Zero when empty.
    public func mrr(at k: Int) -> Double {
        mean(at: k) { rank in 1 / Double(rank + 1) }
    }

    /// Distinct items appearing in any case's top-`k` list, divided by the catalog size.
    public func coverage(at k: Int) -> Double {
        checkCutoff(k)
        let covered = bestPosition.dropFirst().reduce(0) { $0 + ($1 < k ? 1 : 0) }
        return Double(covered) / Double(catalogSize)
    }

    /// Every metric at every cutoff, keyed `ndcg@k`, `hr@k`, `mrr@k`, `coverage@k` (for JSON logs).
    public var summary: [String: Double] {
        var result: [String: Double] = [:]
        for k in ks {
            result["ndcg@\(k)"] = ndcg(at: k)
            result["hr@\(k)"] = hitRate(at: k)
            result["mrr@\(k)"] = mrr(at: k)
            result["coverage@\(k)"] = coverage(at: k)
        }
        return result
    }

    /// Mean over all cases of `gain(rank)` for the cases ranked below `k`, zero for the others.
    private func mean(at k: Int, gain: (Int) -> Double) -> Double {
        checkCutoff(k)
        guard count > 0 else { return 0 }
        var total = 0.0
        for rank in 0..<k where casesAtRank[rank] > 0 { total += Double(casesAtRank[rank]) * gain(rank) }
        return total / Double(count)
    }

    private func checkCutoff(_ k: Int) {
        precondition(k >= 1 && k <= largestK, "cutoff \(k) is outside 1...\(largestK); add it to ks")
    }

    private enum CodingKeys: String, CodingKey { case ks, catalogSize, count, casesAtRank, bestPosition }

    /// Decodes and checks that the stored arrays fit the cutoffs and catalog size.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        ks = try container.decode([Int].self, forKey: .ks)
        catalogSize = try container.decode(Int.self, forKey: .catalogSize)
        count = try container.decode(Int.self, forKey: .count)
        casesAtRank = try container.decode([Int].self, forKey: .casesAtRank)
        bestPosition = try container.decode([Int32].self, forKey: .bestPosition)
        guard !ks.isEmpty, ks.allSatisfy({ $0 > 0 }), catalogSize > 0, count >= 0,
              casesAtRank.count == ks.max(), bestPosition.count == catalogSize + 1,
              casesAtRank.reduce(0, +) <= count
        else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "ranking metrics do not fit their cutoffs \(ks) and catalog size \(catalogSize)"))
        }
    }
}
