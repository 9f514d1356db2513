/// The distribution negatives are drawn from, over the real items 1...C.
public enum SamplingDistribution: Sendable, Equatable {
    /// Every item with probability 1 / C.
    case uniform
    /// Item i with probability counts[i] / sum(counts[1...C]); `counts[0]` (padding) is ignored.
    case popularity(counts: [Int])

    /// Popularity in `sequences`: item i weighs the number of its events there.
    ///
    /// Build it from the training sequences only, so that held-out events do not shape training.
    public static func popularity(in sequences: Sequences, catalogSize: Int) -> SamplingDistribution {
        var counts = [Int](repeating: 0, count: catalogSize + 1)
        sequences.itemStorage.withUnsafeBufferPointer { items in
            for sequence in 0..<sequences.count {
                for position in sequences.range(of: sequence) { counts[Int(items[position])] += 1 }
            }
        }
        counts[0] = 0
        return .popularity(counts: counts)
    }
}
