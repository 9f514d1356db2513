import Foundation
import RecutCore

extension Rendezvous {
    /// The metrics of every rank's evaluation shard merged, on every rank.
    ///
    /// `RankingMetrics` merges exactly, so the result equals one pass over all the cases.
    public func merged(_ metrics: RankingMetrics) throws -> RankingMetrics {
        guard worldSize > 1 else { return metrics }
        let gathered = try allGather(Array(try JSONEncoder().encode(metrics)))
        var total = try JSONDecoder().decode(RankingMetrics.self, from: Data(gathered[0]))
        for bytes in gathered.dropFirst() { total.merge(try JSONDecoder().decode(RankingMetrics.self, from: Data(bytes))) }
        return total
    }
}
