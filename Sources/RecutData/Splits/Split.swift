/// Cuts `dataset` into training sequences and validation and test cases.
///
/// Leave-one-out: a user with events s[0..<n] and n >= 3 gives the training sequence
/// s[0..<n-2], the validation case (input s[0..<n-2], target s[n-2]) and the test case
/// (input s[0..<n-1], target s[n-1]). Users with fewer than 3 events are left out of all
/// three, as the reference protocol does.
///
/// Temporal, with validation cut V and test cut T (see ``TemporalCut``): a user with events
/// at or before T and after T gives the test case (input: events <= T, target: first event
/// after T); a user with events at or before V and in (V, T] gives the validation case
/// (input: events <= V, target: first event after V); a user with at least 2 events at or
/// before V gives the training sequence of those events. So no event after T reaches any
/// input and no validation target or later event reaches training.
///
/// Throws `.invalidOption` for a bad cut and `.nothingLeft` when the training sequences,
/// validation cases or test cases would be empty.
public func split(_ dataset: Dataset, strategy: SplitStrategy) throws -> DataSplit {
    let result: DataSplit
    let rule: String
    switch strategy {
    case .leaveOneOut:
        result = leaveOneOutSplit(dataset.sequences)
        rule = "leave-one-out split needs users with at least 3 events"
    case .temporal(let cut):
        let cuts = try cut.cutTimes(sortedTimes: dataset.sequences.timestamps.sorted())
        result = temporalSplit(dataset.sequences, validationCut: cuts.validation, testCut: cuts.test)
        rule = "temporal split with validation cut \(cuts.validation) and test cut \(cuts.test)"
    }
    for (part, count) in [("training sequences", result.train.count), ("validation cases", result.validation.count),
                          ("test cases", result.test.count)] where count == 0 {
        throw DataError.nothingLeft("\(rule): no \(part) left; use more data or another split")
    }
    return result
}

/// The leave-one-out split of ``split(_:strategy:)``; every sequence shares the dataset's storage.
func leaveOneOutSplit(_ sequences: Sequences) -> DataSplit {
    var trainRanges: [Range<Int>] = [], testRanges: [Range<Int>] = [], users: [Int32] = []
    var validationTargets: [Int32] = [], validationTimes: [Timestamp] = []
    var testTargets: [Int32] = [], testTimes: [Timestamp] = []
    let items = sequences.itemStorage, times = sequences.timeStorage
    for user in 0..<sequences.count where sequences.length(user) >= 3 {
        let range = sequences.range(of: user)
        let validationTarget = range.upperBound - 2, testTarget = range.upperBound - 1
        trainRanges.append(range.lowerBound..<validationTarget)
        testRanges.append(range.lowerBound..<testTarget)
        users.append(Int32(user))
        validationTargets.append(items[validationTarget])
        validationTimes.append(times[validationTarget])
        testTargets.append(items[testTarget])
        testTimes.append(times[testTarget])
    }
    let train = sequences.sharingStorage(ranges: trainRanges)
    return DataSplit(
        train: train, trainUsers: users,
        validation: EvaluationSet(users: users, inputs: train, targets: validationTargets, targetTimes: validationTimes),
        test: EvaluationSet(users: users, inputs: sequences.sharingStorage(ranges: testRanges), targets: testTargets,
                            targetTimes: testTimes))
}

/// The temporal split of ``split(_:strategy:)`` at resolved cut times; every sequence shares the
/// dataset's storage, as the events at or before a cut are a prefix of a time-ordered sequence.
func temporalSplit(_ sequences: Sequences, validationCut: Timestamp, testCut: Timestamp) -> DataSplit {
    var trainRanges: [Range<Int>] = [], trainUsers: [Int32] = []
    var validation = CaseRanges(), test = CaseRanges()
    let items = sequences.itemStorage, times = sequences.timeStorage
    for user in 0..<sequences.count {
        let start = sequences.range(of: user).lowerBound, end = sequences.range(of: user).upperBound
        var validationEnd = start
        while validationEnd < end && times[validationEnd] <= validationCut { validationEnd += 1 }
        var testEnd = validationEnd
        while testEnd < end && times[testEnd] <= testCut { testEnd += 1 }
        if validationEnd - start >= 2 {
            trainRanges.append(start..<validationEnd)
            trainUsers.append(Int32(user))
        }
        if validationEnd > start && validationEnd < testEnd {
            validation.append(user: Int32(user), input: start..<validationEnd, target: items[validationEnd],
                              time: times[validationEnd])
        }
        if testEnd > start && testEnd < end {
            test.append(user: Int32(user), input: start..<testEnd, target: items[testEnd], time: times[testEnd])
        }
    }
    return DataSplit(train: sequences.sharingStorage(ranges: trainRanges), trainUsers: trainUsers,
                     validation: validation.set(sharing: sequences), test: test.set(sharing: sequences))
}

/// Evaluation cases whose inputs are ranges of a sequence storage, gathered before the set is made.
private struct CaseRanges {
    var users: [Int32] = [], inputs: [Range<Int>] = [], targets: [Int32] = [], times: [Timestamp] = []

    mutating func append(user: Int32, input: Range<Int>, target: Int32, time: Timestamp) {
        users.append(user)
        inputs.append(input)
        targets.append(target)
        times.append(time)
    }

    func set(sharing sequences: Sequences) -> EvaluationSet {
        EvaluationSet(users: users, inputs: sequences.sharingStorage(ranges: inputs), targets: targets,
                      targetTimes: times)
    }
}
