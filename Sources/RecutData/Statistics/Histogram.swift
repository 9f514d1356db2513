/// Counts of values in consecutive bins: bin `i` holds the values in `[edges[i], edges[i + 1])`.
public struct Histogram: Sendable, Codable, Equatable {
    /// Bin boundaries, ascending; one more than the bins.
    public var edges: [Double]
    /// Values per bin.
    public var counts: [Int]

    /// A histogram from its parts; `edges` has one entry more than `counts`.
    public init(edges: [Double], counts: [Int]) {
        precondition(edges.count == counts.count + 1, "one edge more than bins")
        self.edges = edges
        self.counts = counts
    }

    /// `bins` equal-width bins over `[low, high]` (the last bin includes `high`).
    public init<Value: BinaryInteger>(linear values: [Value], low: Value, high: Value, bins: Int) {
        let width = Swift.max(1, (Double(high) - Double(low)) / Double(bins))
        edges = (0...bins).map { Double(low) + Double($0) * width }
        counts = [Int](repeating: 0, count: bins)
        for value in values {
            counts[Swift.min(bins - 1, Swift.max(0, Int((Double(value) - Double(low)) / width)))] += 1
        }
    }

    /// Decade bins of non-negative values: `[0, 1)`, `[1, 10)`, `[10, 100)`, ... up to the largest value.
    public init<Value: BinaryInteger>(decades values: [Value]) {
        let largest = Double(values.max() ?? 0)
        edges = [0, 1]
        while edges[edges.count - 1] <= largest { edges.append(edges[edges.count - 1] * 10) }
        counts = [Int](repeating: 0, count: edges.count - 1)
        for value in values {
            let bin = value <= 0 ? 0 : 1 + Int(Double(value).log10Floor)
            counts[Swift.min(counts.count - 1, bin)] += 1
        }
    }
}

private extension Double {
    /// ⌊log10(self)⌋ for self ≥ 1, exact at powers of ten.
    var log10Floor: Double {
        var power = 0.0, bound = 10.0
        while self >= bound {
            power += 1
            bound *= 10
        }
        return power
    }
}
