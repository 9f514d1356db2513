/// Cuts `dataset` into training sequences and validation and test cases.
///
/// The strategy gives each user, in the user's time order, a training part, then a validation
/// period, then a test period (any of them may be empty):
/// - leave-one-out: for users with at least 3 events, the last event is the test period and
///   the second last the validation period (users with fewer events are left out, as the
///   reference protocol does);
/// - temporal, with validation cut V and test cut T (see ``TemporalCut``): events after T are
///   the test period, events in (V, T] the validation period;
/// - last N: the last N events, and the N before them;
/// - user ratio r: events later than `first + (1 - r) * (last - first)` of the user's times,
///   and the same rule again on the events before them;
/// - cold users: a held-out test user's events after the first `minimumInputLength` are the
///   test period (a held-out validation user's, the validation period); other users train on
///   everything.
/// With `rules.validation == .leaveOneOut`, the validation period is instead the last event
/// before the test period (and no users are held out for validation).
///
/// The target rule picks events of each period; a case's input is every event of its user
/// before the target. Training sequences are the training parts of at least 2 events (1 for
/// leave-one-out, as before). So no
/// training sequence holds a validation or test period event, no validation input holds a test
/// period event, and no input holds its target or a later event.
///
/// Throws `.invalidOption` for a bad cut, count or share and `.nothingLeft` when the training
/// sequences, validation cases or test cases would be empty.
public func split(_ dataset: Dataset, strategy: SplitStrategy, rules: SplitRules = SplitRules()) throws -> DataSplit {
    guard rules.minimumInputLength >= 1 else {
        throw DataError.invalidOption("minimum input length \(rules.minimumInputLength) must be at least 1")
    }
    let sequences = dataset.sequences
    let periods: (Int) -> UserPeriods?
    let name: String
    switch strategy {
    case .leaveOneOut:
        name = "leave-one-out split"
        periods = { user in
            let n = sequences.length(user)
            return n < 3 ? nil : UserPeriods(trainEnd: n - 2, validation: n - 2..<n - 1, test: n - 1..<n)
        }
    case .temporal(let cut):
        let cuts = try cut.cutTimes(sortedTimes: sequences.timestamps.sorted())
        name = "temporal split with validation cut \(cuts.validation) and test cut \(cuts.test)"
        periods = { user in
            let times = sequences.times(user)
            let validationStart = times.count { $0 <= cuts.validation }, testStart = times.count { $0 <= cuts.test }
            return UserPeriods(trainEnd: validationStart, validation: validationStart..<testStart,
                               test: testStart..<times.count)
        }
    case .lastEvents(let count):
        guard count >= 1 else { throw DataError.invalidOption("last-N split: N = \(count) must be at least 1") }
        name = "last-\(count) split"
        periods = { user in
            let n = sequences.length(user)
            let testStart = max(0, n - count), validationStart = max(0, testStart - count)
            return UserPeriods(trainEnd: validationStart, validation: validationStart..<testStart, test: testStart..<n)
        }
    case .userRatio(let ratio):
        guard ratio > 0, ratio < 1 else {
            throw DataError.invalidOption("user-ratio split: ratio \(ratio) must be strictly between 0 and 1")
        }
        name = "user-ratio split at \(ratio)"
        periods = { user in
            let times = sequences.times(user)
            let testStart = ratioPeriodStart(times, ratio: ratio)
            let validationStart = ratioPeriodStart(times.prefix(testStart), ratio: ratio)
            return UserPeriods(trainEnd: validationStart, validation: validationStart..<testStart,
                               test: testStart..<times.count)
        }
    case .coldUsers(let share):
        guard share > 0, share < 0.5 else {
            throw DataError.invalidOption("cold-user split: share \(share) must be strictly between 0 and 0.5")
        }
        name = "cold-user split holding out \(share) of the users"
        let first = rules.minimumInputLength
        periods = { user in
            let n = sequences.length(user)
            let draw = unitDraw(seed: rules.seed, user: user, purpose: 0)
            if draw < share { return UserPeriods(trainEnd: 0, validation: 0..<0, test: min(first, n)..<n) }
            if draw < 2 * share && rules.validation == .same {
                return UserPeriods(trainEnd: 0, validation: min(first, n)..<n, test: n..<n)
            }
            return UserPeriods(trainEnd: n, validation: n..<n, test: n..<n)
        }
    }
    // Leave-one-out keeps a training sequence of one event, as the reference protocol does.
    let result = buildSplit(sequences, periods: periods, rules: rules,
                            minimumTrainLength: strategy == .leaveOneOut ? 1 : 2, heldOutUsers: {
        if case .coldUsers = strategy { return true } else { return false }
    }())
    for (part, count) in [("training sequences", result.train.count), ("validation cases", result.validation.count),
                          ("test cases", result.test.count)] where count == 0 {
        let need = strategy == .leaveOneOut ? " (it needs users with at least 3 events)" : ""
        throw DataError.nothingLeft("\(name)\(need): no \(part) left; use more data or another split")
    }
    return result
}

/// One user's parts, as positions in the user's sequence: training is `0..<trainEnd`.
struct UserPeriods {
    var trainEnd: Int
    var validation: Range<Int>
    var test: Range<Int>
}

/// Where the last fraction `ratio` of the span of `times` (sorted) starts: the first position
/// whose time is later than `first + (1 - ratio) * (last - first)`; `times.count` if none is.
func ratioPeriodStart(_ times: ArraySlice<Timestamp>, ratio: Double) -> Int {
    guard let first = times.first, let last = times.last, last > first else { return times.count }
    let cut = Double(first) + (1 - ratio) * (Double(last) - Double(first))
    return times.firstIndex { Double($0) > cut }.map { $0 - times.startIndex } ?? times.count
}

/// A uniform draw in [0, 1) that depends only on the seed, the user and the purpose.
func unitDraw(seed: UInt64, user: Int, purpose: UInt64) -> Double {
    var generator = SplitMix64(seed: seed ^ (UInt64(user) &* 0xD1B5_4A32_D192_ED03) ^ (purpose &* 0x9E37_79B9_7F4A_7C15))
    return generator.nextUnit()
}

/// The split of the user periods `periods` gives (nil: the user is left out); every sequence
/// shares the dataset's storage. Training parts shorter than `minimumTrainLength` are left out.
/// With `heldOutUsers`, the validation rule `.leaveOneOut` applies to training users only
/// (held-out users keep their test period and have no validation).
func buildSplit(_ sequences: Sequences, periods: (Int) -> UserPeriods?, rules: SplitRules, minimumTrainLength: Int,
                heldOutUsers: Bool) -> DataSplit {
    var trainRanges: [Range<Int>] = [], trainUsers: [Int32] = []
    var validation = CaseRanges(), test = CaseRanges()
    var userPeriods: [UserPeriods?] = []
    userPeriods.reserveCapacity(sequences.count)
    for user in 0..<sequences.count {
        guard var parts = periods(user) else {
            userPeriods.append(nil)
            continue
        }
        if rules.validation == .leaveOneOut {
            let testStart = parts.test.lowerBound
            let isHeldOut = heldOutUsers && parts.trainEnd == 0
            if isHeldOut {
                parts.validation = testStart..<testStart
            } else {
                let validationStart = max(0, testStart - 1)
                parts = UserPeriods(trainEnd: validationStart, validation: validationStart..<testStart, test: parts.test)
            }
        }
        userPeriods.append(parts)
        let start = sequences.range(of: user).lowerBound
        if parts.trainEnd >= minimumTrainLength && parts.trainEnd > 0 {
            trainRanges.append(start..<start + parts.trainEnd)
            trainUsers.append(Int32(user))
        }
    }
    let train = sequences.sharingStorage(ranges: trainRanges)
    var trainedItems = [Bool]()
    if rules.coldItemTargets == .drop {
        let largest = Int(sequences.itemStorage.max() ?? 0)
        trainedItems = [Bool](repeating: false, count: largest + 1)
        for sequence in 0..<train.count { for item in train[sequence] { trainedItems[Int(item)] = true } }
    }
    let items = sequences.itemStorage, times = sequences.timeStorage
    for user in 0..<sequences.count {
        guard let parts = userPeriods[user] else { continue }
        let start = sequences.range(of: user).lowerBound
        for (period, purpose) in [(parts.validation, UInt64(1)), (parts.test, UInt64(2))] where !period.isEmpty {
            let targets: [Int]
            switch rules.target {
            case .first: targets = [period.lowerBound]
            case .last: targets = [period.upperBound - 1]
            case .random:
                let draw = unitDraw(seed: rules.seed, user: user, purpose: purpose)
                targets = [period.lowerBound + min(period.count - 1, Int(draw * Double(period.count)))]
            case .all: targets = Array(period)
            }
            for position in targets where position >= rules.minimumInputLength {
                let target = items[start + position]
                if rules.coldItemTargets == .drop && !trainedItems[Int(target)] { continue }
                if rules.dropRepeatTargets && items[start..<start + position].contains(target) { continue }
                let caseRange = start..<start + position
                if purpose == 1 {
                    validation.append(user: Int32(user), input: caseRange, target: target, time: times[start + position])
                } else {
                    test.append(user: Int32(user), input: caseRange, target: target, time: times[start + position])
                }
            }
        }
    }
    return DataSplit(train: train, trainUsers: trainUsers,
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
