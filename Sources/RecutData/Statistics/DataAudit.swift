import Foundation

/// What `recut data audit` measures: the dataset's core, temporal, repeat and timestamp
/// statistics, and the validity of one or more splits side by side (SplitLight's checklist).
public struct DataAudit: Sendable, Codable, Equatable {
    /// Size, lengths, popularity skew (as `recut data stats`).
    public var core: DatasetStatistics
    /// Events over time, user lifetimes and gaps between a user's events.
    public var temporal: TemporalAudit
    /// How often users come back to an item, and after how long.
    public var repeats: RepeatAudit
    /// Timestamps that look wrong.
    public var anomalies: TimestampAnomalies
    /// One entry per split audited, in the order given.
    public var splits: [SplitAudit]
    /// The shuffled-order check of `recut data audit --sequentiality`; nil when not run.
    public var sequentiality: SequentialityResult?

    /// The audit of `dataset` and its `splits` (named); `fileOrder` is the log as read, in file
    /// order, for the out-of-order count (nil leaves it out); `now` is for implausible future times.
    public init(dataset: Dataset, splits: [(name: String, split: DataSplit)], fileOrder: InteractionLog? = nil,
                now: Date = Date()) {
        core = DatasetStatistics(dataset: dataset)
        temporal = TemporalAudit(dataset.sequences)
        repeats = RepeatAudit(dataset.sequences)
        anomalies = TimestampAnomalies(dataset.sequences, fileOrder: fileOrder, now: now)
        self.splits = splits.map { SplitAudit(name: $0.name, split: $0.split, catalogSize: dataset.itemCount) }
    }
}

/// Events over time and the spacing of each user's events.
public struct TemporalAudit: Sendable, Codable, Equatable {
    /// Events in 20 equal periods from the first to the last event.
    public var eventsPerPeriod: Histogram
    /// Last minus first event time, per user.
    public var userLifetime: DatasetStatistics.Percentiles
    /// Time between consecutive events of a user.
    public var interEventGap: DatasetStatistics.Percentiles
    /// The same gaps in decade bins.
    public var interEventGapHistogram: Histogram

    init(_ sequences: Sequences) {
        let times = sequences.timestamps
        eventsPerPeriod = Histogram(linear: times, low: times.min() ?? 0, high: times.max() ?? 0, bins: 20)
        var lifetimes: [Timestamp] = [], gaps: [Timestamp] = []
        for user in 0..<sequences.count {
            let userTimes = sequences.times(user)
            guard let first = userTimes.first, let last = userTimes.last else { continue }
            lifetimes.append(last - first)
            for (earlier, later) in zip(userTimes, userTimes.dropFirst()) { gaps.append(later - earlier) }
        }
        userLifetime = DatasetStatistics.percentiles(of: lifetimes)
        interEventGap = DatasetStatistics.percentiles(of: gaps)
        interEventGapHistogram = Histogram(decades: gaps)
    }
}

/// Repeat consumption: events whose item the user already had.
public struct RepeatAudit: Sendable, Codable, Equatable {
    /// Share of events whose item the same user had earlier.
    public var repeatShare: Double
    /// Share of events whose item is the user's previous event's item.
    public var consecutiveRepeatShare: Double
    /// For each repeat, the events since the user's previous event with that item (1 = consecutive).
    public var repeatGapEvents: DatasetStatistics.Percentiles
    /// The same gaps in decade bins.
    public var repeatGapHistogram: Histogram

    init(_ sequences: Sequences) {
        var repeatsCount = 0, consecutive = 0
        var gaps: [Int] = []
        var lastSeen: [Int32: Int] = [:]
        for user in 0..<sequences.count {
            lastSeen.removeAll(keepingCapacity: true)
            let items = sequences[user]
            for (offset, item) in items.enumerated() {
                if let previous = lastSeen[item] {
                    repeatsCount += 1
                    gaps.append(offset - previous)
                    if offset - previous == 1 { consecutive += 1 }
                }
                lastSeen[item] = offset
            }
        }
        let total = Double(Swift.max(1, sequences.eventCount))
        repeatShare = Double(repeatsCount) / total
        consecutiveRepeatShare = Double(consecutive) / total
        repeatGapEvents = DatasetStatistics.percentiles(of: gaps)
        repeatGapHistogram = Histogram(decades: gaps)
    }
}

/// Timestamps that suggest a broken log.
public struct TimestampAnomalies: Sendable, Codable, Equatable {
    /// Share of events at the same time as the user's previous event.
    public var sameTimeAsPreviousShare: Double
    /// Runs of at least 3 events of one user at one time (bursts written in one go).
    public var bursts: Int
    /// Events in those runs.
    public var eventsInBursts: Int
    /// Rows of the file earlier than the same user's previous row (nil when the file order is unknown).
    public var outOfOrderRows: Int?
    /// Events at time 0 or before (a missing time written as 0, or a bad unit).
    public var nonPositiveTimes: Int
    /// Events later than the time of the audit, reading times in the unit their size suggests
    /// (seconds, or milliseconds, microseconds, nanoseconds from 1e11, 1e14, 1e17 on).
    public var futureTimes: Int

    init(_ sequences: Sequences, fileOrder: InteractionLog?, now: Date) {
        var same = 0, bursts = 0, burstEvents = 0
        for user in 0..<sequences.count {
            let times = Array(sequences.times(user))
            var start = 0
            while start < times.count {
                var end = start + 1
                while end < times.count && times[end] == times[start] { end += 1 }
                same += end - start - 1
                if end - start >= 3 {
                    bursts += 1
                    burstEvents += end - start
                }
                start = end
            }
        }
        sameTimeAsPreviousShare = Double(same) / Double(Swift.max(1, sequences.eventCount))
        self.bursts = bursts
        eventsInBursts = burstEvents
        if let fileOrder {
            var previous = [Timestamp?](repeating: nil, count: fileOrder.userNames.count)
            var late = 0
            for row in 0..<fileOrder.count {
                let user = Int(fileOrder.users[row]), time = fileOrder.timestamps[row]
                if let last = previous[user], time < last { late += 1 }
                previous[user] = Swift.max(time, previous[user] ?? time)
            }
            outOfOrderRows = late
        } else {
            outOfOrderRows = nil
        }
        let times = sequences.timestamps
        nonPositiveTimes = times.count { $0 <= 0 }
        let largest = Double(times.max() ?? 0)
        let scale: Double = largest >= 1e17 ? 1e9 : largest >= 1e14 ? 1e6 : largest >= 1e11 ? 1e3 : 1
        let limit = now.timeIntervalSince1970 * scale
        futureTimes = times.count { Double($0) > limit }
    }
}

/// Whether one split evaluates what it claims: leakage, cold exposure, shift and horizon.
public struct SplitAudit: Sendable, Codable, Equatable {
    /// The split's name as the audit was asked for it.
    public var name: String
    /// Training sequences (one per user).
    public var trainUsers: Int
    /// Events in the training sequences.
    public var trainEvents: Int
    /// Validation cases.
    public var validationCases: Int
    /// Test cases.
    public var testCases: Int
    /// Share of training events later than the earliest test target: the model trains on the
    /// future of some test cases.
    public var trainingEventsAfterFirstTestTarget: Double
    /// Share of test cases whose target is earlier than the latest training event (of any user):
    /// temporal leakage.
    public var leakageShare: Double
    /// Share of validation cases whose user has no training sequence.
    public var validationColdUserShare: Double
    /// Share of test cases whose user has no training sequence.
    public var testColdUserShare: Double
    /// Share of validation targets whose item no training sequence holds.
    public var validationColdItemShare: Double
    /// Share of test targets whose item no training sequence holds.
    public var testColdItemShare: Double
    /// Jensen-Shannon divergence (base 2, 0...1) between the item distribution of training
    /// events and that of test targets: popularity shift.
    public var popularityShift: Double
    /// Time from a test case's last input event to its target.
    public var targetGap: DatasetStatistics.Percentiles
    /// The same gaps in decade bins.
    public var targetGapHistogram: Histogram
    /// Earliest and latest test target time.
    public var testPeriod: DatasetStatistics.TimeRange

    /// The audit of `split`, named `name`, over items 1...`catalogSize`.
    public init(name: String, split: DataSplit, catalogSize: Int) {
        self.name = name
        trainUsers = split.train.count
        trainEvents = split.train.eventCount
        validationCases = split.validation.count
        testCases = split.test.count
        let trainTimes = split.train.timestamps
        let firstTarget = split.test.targetTimes.min() ?? .max, lastTrain = trainTimes.max() ?? .min
        trainingEventsAfterFirstTestTarget = Double(trainTimes.count { $0 > firstTarget }) / Double(Swift.max(1, trainTimes.count))
        leakageShare = Self.share(split.test.targetTimes.count { $0 < lastTrain }, of: testCases)
        let trainedUsers = Set(split.trainUsers)
        var trainCounts = [Int](repeating: 0, count: catalogSize + 1)
        for item in split.train.items { trainCounts[Int(item)] += 1 }
        validationColdUserShare = Self.share(split.validation.users.count { !trainedUsers.contains($0) }, of: validationCases)
        testColdUserShare = Self.share(split.test.users.count { !trainedUsers.contains($0) }, of: testCases)
        validationColdItemShare = Self.share(split.validation.targets.count { trainCounts[Int($0)] == 0 }, of: validationCases)
        testColdItemShare = Self.share(split.test.targets.count { trainCounts[Int($0)] == 0 }, of: testCases)
        var testCounts = [Int](repeating: 0, count: catalogSize + 1)
        for item in split.test.targets { testCounts[Int(item)] += 1 }
        popularityShift = Self.jensenShannon(trainCounts, testCounts)
        var gaps: [Timestamp] = []
        for index in 0..<split.test.count {
            if let last = split.test.inputs.times(index).last { gaps.append(split.test.targetTimes[index] - last) }
        }
        targetGap = DatasetStatistics.percentiles(of: gaps)
        targetGapHistogram = Histogram(decades: gaps)
        testPeriod = DatasetStatistics.TimeRange(first: split.test.targetTimes.min() ?? 0, last: split.test.targetTimes.max() ?? 0)
    }

    static func share(_ count: Int, of total: Int) -> Double { total == 0 ? 0 : Double(count) / Double(total) }

    /// The Jensen-Shannon divergence of two count vectors, in bits.
    static func jensenShannon(_ left: [Int], _ right: [Int]) -> Double {
        let leftTotal = Double(left.reduce(0, +)), rightTotal = Double(right.reduce(0, +))
        guard leftTotal > 0, rightTotal > 0 else { return 0 }
        var divergence = 0.0
        for (a, b) in zip(left, right) where a > 0 || b > 0 {
            let p = Double(a) / leftTotal, q = Double(b) / rightTotal, m = (p + q) / 2
            if p > 0 { divergence += 0.5 * p * log2(p / m) }
            if q > 0 { divergence += 0.5 * q * log2(q / m) }
        }
        return Swift.max(0, Swift.min(1, divergence))
    }
}
