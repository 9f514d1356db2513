/// The random baseline: uniform scores in [0, 1), reproducible from a seed.
///
/// The scores of a case depend only on the seed and the case index (not on the batch
/// size), so sharded and batched runs agree. Its expected HR@k is about k/C.
public struct RandomScorer: Sendable {
    /// The seed all scores derive from.
    public let seed: UInt64

    /// A scorer whose scores are a pure function of `seed`, case index and item.
    public init(seed: UInt64) { self.seed = seed }

    /// Fills `scores` (row-major `[cases.count, C + 1]`, C taken from its size) with uniform scores.
    public func score(cases: Range<Int>, into scores: inout [Float]) {
        guard !cases.isEmpty else { return }
        precondition(scores.count % cases.count == 0, "\(scores.count) scores do not split into \(cases.count) rows")
        let rowWidth = scores.count / cases.count
        scores.withUnsafeMutableBufferPointer { output in
            for (row, caseIndex) in cases.enumerated() {
                // A separate, well-mixed stream per case: SplitMix64's output of a case-dependent seed.
                var seeder = SplitMix64(seed: seed ^ (UInt64(caseIndex) &* 0xD1B5_4A32_D192_ED03))
                var generator = SplitMix64(seed: seeder.next())
                for column in row * rowWidth..<(row + 1) * rowWidth {
                    output[column] = Float(generator.next() >> 40) * 0x1.0p-24
                }
            }
        }
    }

    /// `score(cases:into:)` as a closure for `FullRankingEvaluator.evaluate`.
    public var scorer: (_ cases: Range<Int>, _ scores: inout [Float]) -> Void { score(cases:into:) }
}
