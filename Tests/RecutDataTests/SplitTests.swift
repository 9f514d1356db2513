import Foundation
import PropertyBased
import Testing
@testable import RecutData

/// Whether `prefix` (items and times of one sequence) starts the user's sequence in `dataset`.
private func isPrefix(_ items: ArraySlice<Int32>, _ times: ArraySlice<Timestamp>, ofUser user: Int32, in dataset: Dataset) -> Bool {
    dataset.sequences[Int(user)].starts(with: items) && dataset.sequences.times(Int(user)).starts(with: times)
}

@Test func leaveOneOutHoldsOutTheLastTwoEvents() async {
    await propertyCheck(input: randomDatasets) { dataset in
        let eligible = (0..<dataset.userCount).filter { dataset.sequences.length($0) >= 3 }.map(Int32.init)
        guard !eligible.isEmpty else {
            #expect(throws: DataError.self) { try split(dataset, strategy: .leaveOneOut) }
            return
        }
        let result = try split(dataset, strategy: .leaveOneOut)
        #expect(result.trainUsers == eligible && result.validation.users == eligible && result.test.users == eligible)
        for (index, user) in eligible.enumerated() {
            let items = Array(dataset.sequences[Int(user)]), times = Array(dataset.sequences.times(Int(user)))
            let n = items.count
            #expect(Array(result.train[index]) == Array(items[..<(n - 2)]))
            #expect(Array(result.train.times(index)) == Array(times[..<(n - 2)]))
            #expect(Array(result.validation.inputs[index]) == Array(items[..<(n - 2)]))
            #expect(Array(result.validation.inputs.times(index)) == Array(times[..<(n - 2)]))
            #expect(result.validation.targets[index] == items[n - 2])
            #expect(result.validation.targetTimes[index] == times[n - 2])
            #expect(Array(result.test.inputs[index]) == Array(items[..<(n - 1)]))
            #expect(Array(result.test.inputs.times(index)) == Array(times[..<(n - 1)]))
            #expect(result.test.targets[index] == items[n - 1])
            #expect(result.test.targetTimes[index] == times[n - 1])
        }
    }
}

@Test func temporalSplitAtQuantileNeverLeaksTheFuture() async {
    await propertyCheck(input: randomDatasets, Gen.int(in: 1...99)) { dataset, percent in
        try checkTemporalSplit(dataset, cut: .quantile(Double(percent) / 100))
    }
}

@Test func temporalSplitAtTimeNeverLeaksTheFuture() async {
    await propertyCheck(input: randomDatasets, Gen.int(in: 0...40)) { dataset, quarters in
        try checkTemporalSplit(dataset, cut: .time(Double(quarters)))
    }
}

/// Checks every promise of the temporal split on one dataset and cut.
private func checkTemporalSplit(_ dataset: Dataset, cut: TemporalCut) throws {
    let allTimes = dataset.sequences.timestamps
    guard let cuts = try? cut.cutTimes(in: dataset) else {
        #expect(throws: DataError.self) { try split(dataset, strategy: .temporal(cut)) }
        return
    }
    let (validationCut, testCut) = cuts
    #expect(validationCut <= testCut)
    if case .quantile(let q) = cut {
        // The inverse-CDF quantile: at least a fraction q at or before it, less than q before it.
        #expect(Double(allTimes.count { $0 <= testCut }) >= q * Double(allTimes.count))
        #expect(Double(allTimes.count { $0 < testCut }) < q * Double(allTimes.count))
    } else if case .time(let time) = cut {
        #expect(Double(testCut) == time)
    }
    let users = 0..<dataset.userCount
    func times(_ user: Int) -> ArraySlice<Timestamp> { dataset.sequences.times(user) }
    let expectedTest = users.filter { user in times(user).contains { $0 <= testCut } && times(user).contains { $0 > testCut } }
    let expectedValidation = users.filter { user in
        times(user).contains { $0 <= validationCut } && times(user).contains { $0 > validationCut && $0 <= testCut }
    }
    let expectedTrain = users.filter { user in times(user).count { $0 <= validationCut } >= 2 }
    guard !expectedTest.isEmpty, !expectedValidation.isEmpty, !expectedTrain.isEmpty else {
        #expect(throws: DataError.self) { try split(dataset, strategy: .temporal(cut)) }
        return
    }
    let result = try split(dataset, strategy: .temporal(cut))
    #expect(result.test.users == expectedTest.map(Int32.init))
    #expect(result.validation.users == expectedValidation.map(Int32.init))
    #expect(result.trainUsers == expectedTrain.map(Int32.init))

    var firstTargetPosition = [Int](repeating: Int.max, count: dataset.userCount)
    for (set, lowerCut, upperCut) in [(result.test, testCut, Timestamp.max), (result.validation, validationCut, testCut)] {
        for index in 0..<set.count {
            let user = set.users[index], inputLength = set.inputs.length(index)
            #expect(isPrefix(set.inputs[index], set.inputs.times(index), ofUser: user, in: dataset))
            #expect(set.inputs.times(index).allSatisfy { $0 <= lowerCut })
            #expect(set.targets[index] == dataset.sequences[Int(user)].dropFirst(inputLength).first)
            #expect(set.targetTimes[index] == dataset.sequences.times(Int(user)).dropFirst(inputLength).first)
            #expect(set.targetTimes[index] > lowerCut && set.targetTimes[index] <= upperCut)
            firstTargetPosition[Int(user)] = min(firstTargetPosition[Int(user)], inputLength)
        }
    }
    for index in 0..<result.train.count {
        let user = result.trainUsers[index]
        #expect(isPrefix(result.train[index], result.train.times(index), ofUser: user, in: dataset))
        #expect(result.train.times(index).allSatisfy { $0 <= validationCut })
        // A training sequence is a prefix, so it holds no target when it ends before the first one.
        #expect(result.train.length(index) <= firstTargetPosition[Int(user)])
    }
}

@Test func temporalSplitRejectsBadCuts() throws {
    let dataset = makeDataset([[(1, 1), (1, 2), (1, 3)], [(2, 4), (1, 5), (1, 6)]])
    for q in [0, 1, -0.5, 1.5, Double.nan] {
        #expect(throws: DataError.self) { try split(dataset, strategy: .temporal(.quantile(q))) }
    }
    #expect(throws: DataError.nothingLeft("temporal split: no event at or before the cut time 0.0; pick a later cut")) {
        try split(dataset, strategy: .temporal(.time(0)))
    }
    #expect(throws: DataError.nothingLeft("temporal split: no event after the cut time 4.0; pick an earlier cut")) {
        try split(dataset, strategy: .temporal(.time(4)))
    }
    #expect(throws: DataError.invalidOption("temporal split time inf must be a finite number")) {
        try split(dataset, strategy: .temporal(.time(.infinity)))
    }
}

@Test func temporalQuantileCutsAreThoseDocumented() throws {
    // Times 4, 8, ..., 40 (one user): the 0.8-quantile is the 8th time, and the validation cut
    // is the 0.8-quantile of those 8, the 7th time (ceil(6.4) = 7).
    let dataset = makeDataset([[(4, 1)] + Array(repeating: (4, 2), count: 9)])
    let cuts = try TemporalCut.quantile(0.8).cutTimes(in: dataset)
    #expect(cuts == (validation: 28, test: 32))
    // A cut at time 20 keeps half of the events; the validation cut is the median of 4...20.
    let timeCuts = try TemporalCut.time(20).cutTimes(in: dataset)
    #expect(timeCuts == (validation: 12, test: 20))
    // Times are whole, so a cut at 21.5 keeps what 21 keeps (and 20): the same cuts, named 21.
    #expect(try TemporalCut.time(21.5).cutTimes(in: dataset) == (validation: 12, test: 21))
}

@Test func splitStrategyRoundTripsThroughJSON() throws {
    for strategy in [SplitStrategy.leaveOneOut, .temporal(.quantile(0.9)), .temporal(.time(1_700_000_000))] {
        let data = try JSONEncoder().encode(strategy)
        #expect(try JSONDecoder().decode(SplitStrategy.self, from: data) == strategy)
    }
}

@Test func splitWriterFilesRebuildTheCases() async throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("recut-split-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: root) }
    await propertyCheck(count: 30, input: randomDatasets, Gen.int(in: 10...90)) { dataset, percent in
        for strategy in [SplitStrategy.leaveOneOut, .temporal(.quantile(Double(percent) / 100))] {
            guard let result = try? split(dataset, strategy: strategy) else { continue }
            try SplitWriter().write(result, dataset: dataset, to: root)
            let rebuilt = try readSplit(root, dataset: dataset)
            #expect(rebuilt.train == result.train && rebuilt.trainUsers == result.trainUsers)
            #expect(rebuilt.validation == result.validation)
            #expect(rebuilt.test == result.test)
            if strategy == .leaveOneOut {
                #expect(!FileManager.default.fileExists(atPath: root + "/test_inputs.tsv"))
                #expect(!FileManager.default.fileExists(atPath: root + "/validation_inputs.tsv"))
            }
        }
    }
}

/// One parsed row of a split file, with dense ids.
private typealias Row = (user: Int32, item: Int32, time: Timestamp)

/// Parses a split file written by `SplitWriter`, mapping external ids back to dense ones.
private func readRows(_ path: String, dataset: Dataset) throws -> [Row] {
    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.first == "user_id\titem_id\ttimestamp")
    return lines.dropFirst().map { line in
        let fields = line.split(separator: "\t").map(String.init)
        return (dataset.users.id(of: fields[0])!, dataset.items.id(of: fields[1])!, Timestamp(fields[2])!)
    }
}

/// Rebuilds the split from its files by the rule documented on `SplitWriter`.
private func readSplit(_ directory: String, dataset: Dataset) throws -> DataSplit {
    var rowsByUser = [[Row]](repeating: [], count: dataset.userCount)
    var train = Sequences(), trainUsers: [Int32] = []
    for row in try readRows(directory + "/train.tsv", dataset: dataset) {
        if trainUsers.last != row.user { trainUsers.append(row.user) }
        rowsByUser[Int(row.user)].append(row)
    }
    for user in trainUsers {
        train.append(items: rowsByUser[Int(user)].map(\.item), timestamps: rowsByUser[Int(user)].map(\.time))
    }
    func inputs(_ name: String, default rows: @escaping (Int32) -> [Row]) throws -> (Int32) -> [Row] {
        let path = directory + "/" + name
        guard FileManager.default.fileExists(atPath: path) else { return rows }
        var explicit = [[Row]](repeating: [], count: dataset.userCount)
        for row in try readRows(path, dataset: dataset) { explicit[Int(row.user)].append(row) }
        return { explicit[Int($0)] }
    }
    func cases(_ targets: [Row], inputs: (Int32) -> [Row]) -> EvaluationSet {
        var set = EvaluationSet()
        for target in targets {
            let rows = inputs(target.user)
            set.append(user: target.user, inputItems: rows.map(\.item), inputTimes: rows.map(\.time),
                       target: target.item, targetTime: target.time)
        }
        return set
    }
    let validationTargets = try readRows(directory + "/validation.tsv", dataset: dataset)
    var validationTargetByUser = [Row?](repeating: nil, count: dataset.userCount)
    for row in validationTargets { validationTargetByUser[Int(row.user)] = row }
    let validationInputs = try inputs("validation_inputs.tsv") { rowsByUser[Int($0)] }
    let testInputs = try inputs("test_inputs.tsv") { rowsByUser[Int($0)] + [validationTargetByUser[Int($0)]].compactMap { $0 } }
    return DataSplit(train: train, trainUsers: trainUsers,
                     validation: cases(validationTargets, inputs: validationInputs),
                     test: cases(try readRows(directory + "/test.tsv", dataset: dataset), inputs: testInputs))
}

/// ML-100K as a dataset: users and items in order of first appearance, each user's events
/// sorted by time with ties in file order (the reference protocol's order).
private func movieLensDataset() throws -> Dataset {
    let lines = try String(contentsOfFile: MovieLens100K.path, encoding: .utf8).split(separator: "\n").dropFirst()
    var userIndex: [Substring: Int] = [:], itemIndex: [Substring: Int32] = [:]
    var userNames: [String] = [], itemNames = [""]
    var events: [[(time: Timestamp, item: Int32)]] = []
    for line in lines {
        let fields = line.split(separator: "\t")
        let user = userIndex[fields[0]] ?? {
            userIndex[fields[0]] = userNames.count
            userNames.append(String(fields[0]))
            events.append([])
            return userNames.count - 1
        }()
        let item = itemIndex[fields[1]] ?? {
            itemIndex[fields[1]] = Int32(itemNames.count)
            itemNames.append(String(fields[1]))
            return Int32(itemNames.count - 1)
        }()
        events[user].append((Timestamp(fields[3])!, item))
    }
    var sequences = Sequences()
    for var userEvents in events {
        userEvents = userEvents.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
        sequences.append(items: userEvents.map(\.item), timestamps: userEvents.map(\.time))
    }
    return Dataset(sequences: sequences, users: IDMap(names: userNames), items: IDMap(names: itemNames))
}

@Test func movieLensSplitsMatchTheReferenceProtocol() throws {
    let dataset = try movieLensDataset()
    #expect(dataset.userCount == 943 && dataset.itemCount == 1682 && dataset.interactionCount == 100_000)
    let leaveOneOut = try split(dataset, strategy: .leaveOneOut)
    #expect(leaveOneOut.train.count == 943 && leaveOneOut.validation.count == 943 && leaveOneOut.test.count == 943)
    #expect(leaveOneOut.train.items.count == 100_000 - 2 * 943)
    #expect(leaveOneOut.test.inputs.items.count == 100_000 - 943)

    let temporal = try split(dataset, strategy: .temporal(.quantile(0.9)))
    let cuts = try TemporalCut.quantile(0.9).cutTimes(in: dataset)
    #expect(temporal.train.timestamps.allSatisfy { $0 <= cuts.validation })
    #expect(temporal.test.inputs.timestamps.allSatisfy { $0 <= cuts.test })
    #expect(temporal.test.targetTimes.allSatisfy { $0 > cuts.test })
    #expect(!temporal.validation.users.isEmpty && !temporal.test.users.isEmpty)
}

/// The address of the first item of the storage, to tell shared storage from a copy.
private func storageAddress(_ sequences: Sequences) -> UnsafeRawPointer? {
    sequences.itemStorage.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
}

@Test func splitsShareTheDatasetStorage() throws {
    let dataset = try movieLensDataset()
    let address = storageAddress(dataset.sequences)
    for strategy in [SplitStrategy.leaveOneOut, .temporal(.quantile(0.9))] {
        let result = try split(dataset, strategy: strategy)
        #expect(storageAddress(result.train) == address)
        #expect(storageAddress(result.validation.inputs) == address)
        #expect(storageAddress(result.test.inputs) == address)
        #expect(result.train.eventCount == result.train.items.count)
    }
}
