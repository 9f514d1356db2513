/// Where a temporal split puts its test cut T, and from it the validation cut.
///
/// Cuts are quantiles of event times in the inverse-CDF sense: the q-quantile of `m` sorted
/// times is the time at position `ceil(q * m) - 1`, the earliest time with at least a
/// fraction q of the events at or before it. An event at exactly a cut counts as before it.
///
/// - `.quantile(q)`: T is the q-quantile of all event times, and the validation cut is the
///   q-quantile of the events at or before T.
/// - `.time(t)`: T is t. With q the fraction of all events at or before t, the validation cut
///   is the q-quantile of the events at or before T, so both cuts keep the same share.
public enum TemporalCut: Sendable, Hashable, Codable {
    /// A cut at this time (same unit as the dataset's timestamps).
    case time(Double)
    /// A cut at this quantile of all event times, strictly between 0 and 1.
    case quantile(Double)

    /// The validation and test cut times this cut gives on `dataset`.
    ///
    /// Throws `.invalidOption` for a quantile outside (0, 1) or a time that is not finite,
    /// `.nothingLeft` when no event lies on one side of the test cut.
    public func cutTimes(in dataset: Dataset) throws -> (validation: Timestamp, test: Timestamp) {
        try cutTimes(sortedTimes: dataset.sequences.timestamps.sorted())
    }

    /// The cuts on times already sorted ascending.
    func cutTimes(sortedTimes times: [Timestamp]) throws -> (validation: Timestamp, test: Timestamp) {
        guard !times.isEmpty else { throw DataError.nothingLeft("temporal split: the dataset holds no events") }
        let testCut: Timestamp
        let fraction: Double
        // The cut as the user gave it, for messages.
        let cutText: String
        switch self {
        case .quantile(let q):
            guard q > 0, q < 1 else {
                throw DataError.invalidOption("temporal split quantile \(q) must be strictly between 0 and 1")
            }
            testCut = times[Self.quantilePosition(q, count: times.count)]
            fraction = q
            cutText = String(testCut)
        case .time(let t):
            guard t.isFinite else { throw DataError.invalidOption("temporal split time \(t) must be a finite number") }
            // Times are integers, so an event is at or before t exactly when it is at or before ⌊t⌋.
            let whole = t.rounded(.down)
            testCut = whole <= -0x1p63 ? .min : whole >= 0x1p63 ? .max : Timestamp(whole)
            fraction = Double(Self.countAtOrBefore(testCut, in: times)) / Double(times.count)
            cutText = "\(t)"
        }
        let eventsBeforeTest = Self.countAtOrBefore(testCut, in: times)
        guard eventsBeforeTest > 0 else {
            throw DataError.nothingLeft("temporal split: no event at or before the cut time \(cutText); pick a later cut")
        }
        guard eventsBeforeTest < times.count else {
            throw DataError.nothingLeft("temporal split: no event after the cut time \(cutText); pick an earlier cut")
        }
        let validationCut = times[Self.quantilePosition(fraction, count: eventsBeforeTest)]
        return (validationCut, testCut)
    }

    /// Position of the q-quantile among `count` sorted values.
    static func quantilePosition(_ q: Double, count: Int) -> Int {
        min(count - 1, max(0, Int((q * Double(count)).rounded(.up)) - 1))
    }

    /// Number of sorted values at or before `time` (binary search).
    static func countAtOrBefore(_ time: Timestamp, in sorted: [Timestamp]) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= time { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
