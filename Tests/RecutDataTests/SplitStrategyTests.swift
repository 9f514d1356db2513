import Foundation
import PropertyBased
import Testing
@testable import RecutData

/// Random split rules: every target rule, both validation rules, the filters on and off.
private let randomRules = zip(Gen.int(in: 0...3), Gen.int(in: 0...1), Gen.int(in: 0...1), Gen.int(in: 0...1),
                              Gen.int(in: 1...3), Gen.int(in: 0...5))
    .map { target, validation, cold, repeats, minimum, seed in
        SplitRules(target: TargetRule.allCases[target], validation: ValidationRule.allCases[validation],
                   coldItemTargets: ColdItemTargets.allCases[cold], dropRepeatTargets: repeats == 1,
                   minimumInputLength: minimum, seed: UInt64(seed))
    }

/// Random strategies of every kind.
private let randomStrategies = zip(Gen.int(in: 0...5), Gen.int(in: 1...99)).map { kind, percent -> SplitStrategy in
    switch kind {
    case 0: .leaveOneOut
    case 1: .temporal(.quantile(Double(percent) / 100))
    case 2: .temporal(.time(Double(percent % 40)))
    case 3: .lastEvents(1 + percent % 4)
    case 4: .userRatio(Double(percent) / 100)
    default: .coldUsers(Double(percent % 49 + 1) / 100)
    }
}

/// Where each user's test period starts, and (for the same-rule validation) its validation period,
/// computed here from the strategy's definition, independently of the split's code.
private func expectedPeriodStarts(_ dataset: Dataset, _ strategy: SplitStrategy, rules: SplitRules) throws
    -> (validation: [Int], test: [Int])? {
    var validation: [Int] = [], test: [Int] = []
    for user in 0..<dataset.userCount {
        let times = Array(dataset.sequences.times(user)), n = times.count
        var testStart = n, validationStart = n
        switch strategy {
        case .leaveOneOut: (validationStart, testStart) = (n - 2, n - 1)
        case .temporal(let cut):
            guard let cuts = try? cut.cutTimes(in: dataset) else { return nil }
            testStart = times.count { $0 <= cuts.test }
            validationStart = times.count { $0 <= cuts.validation }
        case .lastEvents(let count):
            testStart = max(0, n - count)
            validationStart = max(0, testStart - count)
        case .userRatio(let ratio):
            func start(_ part: [Timestamp]) -> Int {
                guard let first = part.first, let last = part.last, last > first else { return part.count }
                let cut = Double(first) + (1 - ratio) * Double(last - first)
                return part.firstIndex { Double($0) > cut } ?? part.count
            }
            testStart = start(times)
            validationStart = start(Array(times[..<testStart]))
        case .coldUsers: (validationStart, testStart) = (0, 0)
        }
        if rules.validation == .leaveOneOut { validationStart = max(0, testStart - 1) }
        validation.append(validationStart)
        test.append(testStart)
    }
    return (validation, test)
}

/// Checks the promises of `split` that hold for every strategy and rule.
private func checkSplit(_ dataset: Dataset, strategy: SplitStrategy, rules: SplitRules) throws {
    guard let result = try? split(dataset, strategy: strategy, rules: rules) else { return }
    let sequences = dataset.sequences
    var trainLength = [Int](repeating: 0, count: dataset.userCount)
    var trainedItems = Set<Int32>()
    for index in 0..<result.train.count {
        let user = Int(result.trainUsers[index])
        #expect(sequences[user].starts(with: result.train[index]) && sequences.times(user).starts(with: result.train.times(index)))
        #expect(result.train.length(index) >= (strategy == .leaveOneOut ? 1 : 2))
        trainLength[user] = result.train.length(index)
        trainedItems.formUnion(result.train[index])
    }
    let starts = try expectedPeriodStarts(dataset, strategy, rules: rules)
    var firstTestPosition = [Int](repeating: Int.max, count: dataset.userCount)
    for (set, isTest) in [(result.test, true), (result.validation, false)] {
        for index in 0..<set.count {
            let user = Int(set.users[index]), position = set.inputs.length(index)
            let items = Array(sequences[user]), times = Array(sequences.times(user))
            // The input is exactly the user's events before the target.
            #expect(Array(set.inputs[index]) == Array(items[..<position]))
            #expect(Array(set.inputs.times(index)) == Array(times[..<position]))
            #expect(set.targets[index] == items[position] && set.targetTimes[index] == times[position])
            #expect(position >= rules.minimumInputLength)
            // No training sequence holds this target or a later event.
            #expect(trainLength[user] <= position)
            if rules.dropRepeatTargets { #expect(!items[..<position].contains(set.targets[index])) }
            if rules.coldItemTargets == .drop { #expect(trainedItems.contains(set.targets[index])) }
            if isTest {
                firstTestPosition[user] = min(firstTestPosition[user], position)
            } else {
                // A validation input holds no test event, nor does its target come after one.
                #expect(position < firstTestPosition[user])
            }
            if let starts, !isCold(strategy) {
                let period = isTest ? starts.test[user]..<items.count : starts.validation[user]..<starts.test[user]
                #expect(period.contains(position))
                if rules.target == .first { #expect(position == period.lowerBound) }
                if rules.target == .last { #expect(position == period.upperBound - 1) }
                #expect(trainLength[user] <= (rules.validation == .same ? starts.validation[user] : starts.test[user]))
            }
        }
    }
    if case .temporal(let cut) = strategy {
        let cuts = try cut.cutTimes(in: dataset)
        let trainCut = rules.validation == .same ? cuts.validation : cuts.test
        #expect(result.train.timestamps.allSatisfy { $0 <= trainCut })
        #expect(result.test.targetTimes.allSatisfy { $0 > cuts.test })
        #expect(result.validation.inputs.timestamps.allSatisfy { $0 <= cuts.test })
        #expect(result.validation.targetTimes.allSatisfy { $0 <= cuts.test })
        if rules.validation == .same { #expect(result.validation.targetTimes.allSatisfy { $0 > cuts.validation }) }
        if rules.target == .first { #expect(result.test.inputs.timestamps.allSatisfy { $0 <= cuts.test }) }
    }
    if isCold(strategy) {
        let heldOut = Set(result.test.users + (rules.validation == .same ? result.validation.users : []))
        #expect(heldOut.isDisjoint(with: result.trainUsers))
        #expect(Set(result.test.users).isDisjoint(with: result.validation.users))
    }
    #expect(result.testCasesInTraining(of: result) == 0)
    if rules.target != .all {
        #expect(Set(result.test.users).count == result.test.count)
        #expect(Set(result.validation.users).count == result.validation.count)
    }
}

private func isCold(_ strategy: SplitStrategy) -> Bool {
    if case .coldUsers = strategy { true } else { false }
}

@Test func everySplitKeepsTheFutureOutOfItsInputs() async {
    await propertyCheck(count: 400, input: randomDatasets, randomStrategies, randomRules) { dataset, strategy, rules in
        try checkSplit(dataset, strategy: strategy, rules: rules)
    }
}

@Test func allTargetsPredictEveryPeriodEventFromWhatCameBefore() async {
    await propertyCheck(input: randomDatasets, Gen.int(in: 1...99)) { dataset, percent in
        let cut = TemporalCut.quantile(Double(percent) / 100)
        guard let cuts = try? cut.cutTimes(in: dataset),
              let result = try? split(dataset, strategy: .temporal(cut), rules: SplitRules(target: .all)) else { return }
        // Every event after the test cut with a non-empty input is a test case.
        var expected = 0
        for user in 0..<dataset.userCount {
            expected += dataset.sequences.times(user).enumerated().count { $0.offset >= 1 && $0.element > cuts.test }
        }
        #expect(result.test.count == expected)
    }
}

@Test func defaultRulesKeepTheOriginalSplits() async {
    await propertyCheck(input: randomDatasets, Gen.int(in: 1...99)) { dataset, percent in
        for strategy in [SplitStrategy.leaveOneOut, .temporal(.quantile(Double(percent) / 100))] {
            let plain = try? split(dataset, strategy: strategy)
            let explicit = try? split(dataset, strategy: strategy, rules: SplitRules(target: .first, validation: .same))
            #expect(plain?.test == explicit?.test && plain?.validation == explicit?.validation)
        }
    }
}

@Test func splitOptionsFilterTheCasesTheySay() throws {
    // user0: 1 2 3 1 (repeat target 1), user1: 4 5 6 9 (item 9 never trained), user2: 7 8 7 8.
    let dataset = makeDataset([[(1, 1), (1, 2), (1, 3), (1, 1)], [(1, 4), (1, 5), (1, 6), (1, 9)],
                               [(1, 7), (1, 8), (1, 7), (1, 8)]])
    let plain = try split(dataset, strategy: .lastEvents(1))
    #expect(plain.test.targets == [1, 9, 8])
    #expect(plain.validation.targets == [3, 6, 7])
    let noRepeats = try split(dataset, strategy: .lastEvents(1), rules: SplitRules(dropRepeatTargets: true))
    #expect(noRepeats.test.targets == [9] && noRepeats.validation.targets == [3, 6])
    let noColdItems = try split(dataset, strategy: .lastEvents(1), rules: SplitRules(coldItemTargets: .drop))
    #expect(noColdItems.test.targets == [1, 8])
    // Training holds 1 2, 4 5 and 7 8: the validation targets 3 and 6 are cold too.
    #expect(noColdItems.validation.targets == [7])
    #expect(throws: DataError.self) { try split(dataset, strategy: .lastEvents(1), rules: SplitRules(minimumInputLength: 4)) }
    let longInputs = try split(dataset, strategy: .lastEvents(1), rules: SplitRules(minimumInputLength: 2))
    #expect(longInputs.test == plain.test && longInputs.validation == plain.validation)
}

@Test func perUserSplitsCutWhereDocumented() throws {
    // Times 1, 2, 3, 4, 10: the last 0.5 of the span 1...10 starts after 5.5 (one event, at 10);
    // the rest spans 1...4, whose last half starts after 2.5 (events at 3 and 4).
    let dataset = makeDataset([[(1, 1), (1, 2), (1, 3), (1, 4), (6, 5)], [(1, 6), (1, 7), (1, 8)]])
    let ratio = try split(dataset, strategy: .userRatio(0.5), rules: SplitRules(target: .all))
    #expect(ratio.test.targets == [5, 8] && ratio.validation.targets == [3, 4, 7])
    #expect(ratio.train[0] == [1, 2])
    let last = try split(dataset, strategy: .lastEvents(1), rules: SplitRules(target: .last))
    #expect(last.test.targets == [5, 8] && last.validation.targets == [4, 7])
}

@Test func coldUserSplitHoldsOutWholeUsers() throws {
    var users: [[(Int, Int)]] = []
    for user in 0..<200 { users.append((0..<5).map { (1, 1 + ($0 + user) % 9) }) }
    let dataset = makeDataset(users)
    let result = try split(dataset, strategy: .coldUsers(0.2), rules: SplitRules(target: .last))
    let testUsers = Set(result.test.users), validationUsers = Set(result.validation.users)
    #expect(testUsers.isDisjoint(with: result.trainUsers) && validationUsers.isDisjoint(with: result.trainUsers))
    #expect(testUsers.isDisjoint(with: validationUsers))
    #expect((20...60).contains(testUsers.count) && (20...60).contains(validationUsers.count))
    #expect(result.trainUsers.count + testUsers.count + validationUsers.count == 200)
    #expect((0..<result.test.count).allSatisfy { result.test.inputs.length($0) == 4 })
    let otherSeed = try split(dataset, strategy: .coldUsers(0.2), rules: SplitRules(target: .last, seed: 1))
    #expect(Set(otherSeed.test.users) != testUsers)
    #expect(throws: DataError.self) { try split(dataset, strategy: .coldUsers(0.5)) }
}

@Test func randomTargetDependsOnlyOnTheSeed() throws {
    let dataset = makeDataset((0..<50).map { _ in (0..<10).map { (1, 1 + $0 % 9) } })
    let rules = SplitRules(target: .random, seed: 3)
    let first = try split(dataset, strategy: .temporal(.quantile(0.5)), rules: rules)
    let again = try split(dataset, strategy: .temporal(.quantile(0.5)), rules: rules)
    #expect(first.test == again.test)
    #expect(Set((0..<first.test.count).map { first.test.inputs.length($0) }).count > 1)
}

@Test func splitWriterNumbersTheInputsOfSeveralCasesPerUser() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("recut-split-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    let dataset = makeDataset([[(1, 1), (1, 2), (1, 3), (1, 4), (1, 5)], [(1, 6), (1, 7), (1, 8), (1, 9)]])
    let result = try split(dataset, strategy: .lastEvents(2), rules: SplitRules(target: .all, validation: .leaveOneOut))
    try SplitWriter().write(result, dataset: dataset, to: root)
    let lines = try String(contentsOfFile: root + "/test_inputs.tsv", encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "user_id\titem_id\ttimestamp\tcase")
    var inputs = [[Int32]](repeating: [], count: result.test.count)
    for line in lines.dropFirst() {
        let fields = line.split(separator: "\t")
        inputs[Int(fields[3])!].append(dataset.items.id(of: String(fields[1]))!)
    }
    #expect(inputs == (0..<result.test.count).map { Array(result.test.inputs[$0]) })
    let targets = try String(contentsOfFile: root + "/test.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
    #expect(targets.count == result.test.count)
}

@Test func anotherSplitsTestCasesInTrainingAreCounted() throws {
    // Four users of 6 events at times 1...6: leave-one-out trains on times 1...4.
    let dataset = makeDataset((0..<4).map { _ in (1...6).map { (1, $0) } })
    let leaveOneOut = try split(dataset, strategy: .leaveOneOut)
    let temporalLast = try split(dataset, strategy: .temporal(.time(3)), rules: SplitRules(target: .last))
    let temporalAll = try split(dataset, strategy: .temporal(.time(3)), rules: SplitRules(target: .all))
    // Targets after time 3 at times 4, 5, 6: those at 4 are leave-one-out training events.
    #expect(temporalAll.testCasesInTraining(of: leaveOneOut) == 4)
    #expect(temporalLast.testCasesInTraining(of: leaveOneOut) == 0)
    // Another target rule at the same cut trains on the same events.
    #expect(temporalAll.testCasesInTraining(of: temporalLast) == 0)
}
