import Foundation

/// Summary numbers of a dataset: size, sequence lengths, time span, popularity skew, repeats.
///
/// Printed by `recut data` and saved as JSON beside experiment results, so that a run's data
/// can be compared with published setups at a glance.
public struct DatasetStatistics: Sendable, Codable, Equatable {
    /// Percentiles of one quantity, interpolated linearly between ranks (as numpy does).
    public struct Percentiles: Sendable, Codable, Equatable {
        /// Smallest value.
        public var min: Double
        /// 25th percentile.
        public var p25: Double
        /// Median.
        public var p50: Double
        /// 75th percentile.
        public var p75: Double
        /// 90th percentile.
        public var p90: Double
        /// 99th percentile.
        public var p99: Double
        /// Largest value.
        public var max: Double
        /// Arithmetic mean.
        public var mean: Double
    }

    /// First and last event time of the dataset.
    public struct TimeRange: Sendable, Codable, Equatable {
        /// Time of the earliest event.
        public var first: Timestamp
        /// Time of the latest event.
        public var last: Timestamp
    }

    /// Number of users.
    public var users: Int
    /// Number of real items (padding excluded).
    public var items: Int
    /// Number of events.
    public var interactions: Int
    /// interactions / (users × items): the filled share of the user-item matrix.
    public var density: Double
    /// Distribution of events per user.
    public var sequenceLength: Percentiles
    /// Earliest and latest timestamp (both 0 for an empty dataset).
    public var timeRange: TimeRange
    /// Gini coefficient of events per item: 0 when all items are equally popular, near 1 when a few take all.
    public var popularityGini: Double
    /// Share of events going to the most popular 1% of items (at least one item).
    public var topOnePercentShare: Double
    /// Share of events whose item the same user already had earlier in the sequence.
    public var repeatShare: Double
    /// Events that repeat an earlier event exactly: same user, item and time. They are kept as
    /// read (and counted in `interactions`), so this count shows a log that records an action twice.
    public var exactDuplicates: Int

    /// Computes the statistics in O(events + users log users + items log items).
    public init(dataset: Dataset) {
        let sequences = dataset.sequences
        users = dataset.userCount
        items = dataset.itemCount
        interactions = dataset.interactionCount
        density = users > 0 && items > 0 ? Double(interactions) / (Double(users) * Double(items)) : 0
        sequenceLength = Self.percentiles(of: (0..<sequences.count).map { sequences.length($0) })
        let times = sequences.timestamps
        timeRange = TimeRange(first: times.min() ?? 0, last: times.max() ?? 0)
        exactDuplicates = Self.exactDuplicates(in: sequences)

        var itemEvents = [Int](repeating: 0, count: dataset.items.count)
        // lastUser[item] is the last user seen with the item, to spot repeats in one pass.
        var lastUser = [Int](repeating: -1, count: dataset.items.count)
        var repeats = 0
        sequences.itemStorage.withUnsafeBufferPointer { sequenceItems in
            for user in 0..<sequences.count {
                for position in sequences.range(of: user) {
                    let item = Int(sequenceItems[position])
                    itemEvents[item] += 1
                    if lastUser[item] == user { repeats += 1 } else { lastUser[item] = user }
                }
            }
        }
        let popularity = itemEvents.dropFirst().sorted()
        let total = Double(interactions)
        if total > 0 && !popularity.isEmpty {
            var weighted = 0.0
            for (rank, count) in popularity.enumerated() {
                weighted += Double(2 * (rank + 1) - popularity.count - 1) * Double(count)
            }
            popularityGini = weighted / (Double(popularity.count) * total)
            let top = Swift.max(1, popularity.count / 100)
            topOnePercentShare = Double(popularity.suffix(top).reduce(0, +)) / total
            repeatShare = Double(repeats) / total
        } else {
            popularityGini = 0
            topOnePercentShare = 0
            repeatShare = 0
        }
    }

    /// A human-readable table, one quantity per line.
    public func formatted() -> String {
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.2f", value)
        }
        /// The time, and its date when it reads as Unix seconds of years 1 to 9999 (not as
        /// milliseconds or nanoseconds, which no date format holds).
        func date(_ time: Timestamp) -> String {
            guard (-62_135_596_800...253_402_300_799).contains(time) else { return String(time) }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
            return "\(time) (\(formatter.string(from: Date(timeIntervalSince1970: Double(time)))))"
        }
        let lengths = sequenceLength
        let rows: [(String, String)] = [
            ("users", String(users)),
            ("items", String(items)),
            ("interactions", String(interactions)),
            ("density", String(format: "%.4f%%", density * 100)),
            ("sequence length", "mean \(String(format: "%.2f", lengths.mean))"),
            ("  min / p25 / p50", "\(number(lengths.min)) / \(number(lengths.p25)) / \(number(lengths.p50))"),
            ("  p75 / p90 / p99", "\(number(lengths.p75)) / \(number(lengths.p90)) / \(number(lengths.p99))"),
            ("  max", number(lengths.max)),
            ("first event", date(timeRange.first)),
            ("last event", date(timeRange.last)),
            ("popularity Gini", String(format: "%.4f", popularityGini)),
            ("top 1% items share", String(format: "%.2f%%", topOnePercentShare * 100)),
            ("repeat share", String(format: "%.2f%%", repeatShare * 100)),
            ("exact duplicates", String(exactDuplicates)),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
            .joined(separator: "\n")
    }

    /// Events equal in item and time to an earlier event of the same sequence; sequences are in
    /// time order, so such events share a run of equal times. O(events).
    public static func exactDuplicates(in sequences: Sequences) -> Int {
        var duplicates = 0
        var run: Set<Int32> = []
        for index in 0..<sequences.count {
            let items = sequences[index], times = sequences.times(index)
            var position = items.startIndex
            while position < items.endIndex {
                var end = position + 1
                while end < items.endIndex && times[end] == times[position] { end += 1 }
                if end - position > 1 {
                    run.removeAll(keepingCapacity: true)
                    for item in items[position..<end] where !run.insert(item).inserted { duplicates += 1 }
                }
                position = end
            }
        }
        return duplicates
    }

    /// The percentiles of `values` (all zero when there are none).
    static func percentiles<Value: BinaryInteger>(of values: [Value]) -> Percentiles {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return Percentiles(min: 0, p25: 0, p50: 0, p75: 0, p90: 0, p99: 0, max: 0, mean: 0) }
        func at(_ fraction: Double) -> Double {
            let rank = fraction * Double(sorted.count - 1)
            let below = Int(rank.rounded(.down)), above = Swift.min(below + 1, sorted.count - 1)
            let weight = rank - Double(below)
            return Double(sorted[below]) * (1 - weight) + Double(sorted[above]) * weight
        }
        return Percentiles(
            min: Double(sorted[0]), p25: at(0.25), p50: at(0.5), p75: at(0.75), p90: at(0.9), p99: at(0.99),
            max: Double(sorted[sorted.count - 1]), mean: Double(sorted.reduce(0, +)) / Double(sorted.count))
    }
}
