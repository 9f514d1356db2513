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

/// The leave-one-out split of ``split(_:strategy:)``.
func leaveOneOutSplit(_ sequences: Sequences) -> DataSplit {
    var train = Sequences(), trainUsers: [Int32] = []
    var validation = EvaluationSet(), test = EvaluationSet()
    let items = sequences.items, times = sequences.timestamps
    for user in 0..<sequences.count where sequences.length(user) >= 3 {
        let start = sequences.offsets[user], end = sequences.offsets[user + 1]
        let validationTarget = end - 2, testTarget = end - 1
        train.append(items: items[start..<validationTarget], timestamps: times[start..<validationTarget])
        trainUsers.append(Int32(user))
        validation.append(user: Int32(user), inputItems: items[start..<validationTarget],
                          inputTimes: times[start..<validationTarget],
                          target: items[validationTarget], targetTime: times[validationTarget])
        test.append(user: Int32(user), inputItems: items[start..<testTarget], inputTimes: times[start..<testTarget],
                    target: items[testTarget], targetTime: times[testTarget])
    }
    return DataSplit(train: train, trainUsers: trainUsers, validation: validation, test: test)
}

/// The temporal split of ``split(_:strategy:)`` at resolved cut times.
func temporalSplit(_ sequences: Sequences, validationCut: Double, testCut: Double) -> DataSplit {
    var train = Sequences(), trainUsers: [Int32] = []
    var validation = EvaluationSet(), test = EvaluationSet()
    let items = sequences.items, times = sequences.timestamps
    for user in 0..<sequences.count {
        let start = sequences.offsets[user], end = sequences.offsets[user + 1]
        // Sequences are time ordered, so the events at or before a cut are a prefix.
        var validationEnd = start
        while validationEnd < end && times[validationEnd] <= validationCut { validationEnd += 1 }
        var testEnd = validationEnd
        while testEnd < end && times[testEnd] <= testCut { testEnd += 1 }
        if validationEnd - start >= 2 {
            train.append(items: items[start..<validationEnd], timestamps: times[start..<validationEnd])
            trainUsers.append(Int32(user))
        }
        if validationEnd > start && validationEnd < testEnd {
            validation.append(user: Int32(user), inputItems: items[start..<validationEnd],
                              inputTimes: times[start..<validationEnd],
                              target: items[validationEnd], targetTime: times[validationEnd])
        }
        if testEnd > start && testEnd < end {
            test.append(user: Int32(user), inputItems: items[start..<testEnd], inputTimes: times[start..<testEnd],
                        target: items[testEnd], targetTime: times[testEnd])
        }
    }
    return DataSplit(train: train, trainUsers: trainUsers, validation: validation, test: test)
}
