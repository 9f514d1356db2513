import Foundation
import Testing
@testable import RecutData

/// Builds a log from (user, item, time) rows, interning names in order of first appearance.
private func makeLog(_ rows: [(String, String, Timestamp)], ratings: [Float]? = nil) -> InteractionLog {
    var userNames: [String] = [], itemNames: [String] = []
    var userIndex: [String: Int32] = [:], itemIndex: [String: Int32] = [:]
    var users: [Int32] = [], items: [Int32] = [], times: [Timestamp] = []
    for (user, item, time) in rows {
        if userIndex[user] == nil { userIndex[user] = Int32(userNames.count); userNames.append(user) }
        if itemIndex[item] == nil { itemIndex[item] = Int32(itemNames.count); itemNames.append(item) }
        users.append(userIndex[user]!)
        items.append(itemIndex[item]!)
        times.append(time)
    }
    return InteractionLog(
        users: users, items: items, timestamps: times, ratings: ratings, userNames: userNames, itemNames: itemNames)
}

/// External item ids of each user's sequence, keyed by external user id.
private func namedSequences(_ dataset: Dataset) -> [String: [String]] {
    var result: [String: [String]] = [:]
    for user in 0..<dataset.userCount {
        result[dataset.users.names[user]] = dataset.sequences[user].map { dataset.items.names[Int($0)] }
    }
    return result
}

/// A slow, obviously correct preprocessing to compare the fast one against.
private func referencePreprocess(_ log: InteractionLog, options: PreprocessOptions) -> Dataset? {
    var events = Array(0..<log.count)
    if let minimum = options.minimumRating { events = events.filter { log.ratings![$0] >= minimum } }
    var perUser: [Int32: [Int]] = [:]
    for event in events { perUser[log.users[event], default: []].append(event) }
    for (user, list) in perUser {
        var sorted = list.sorted { ($0 < $1) ? log.timestamps[$0] <= log.timestamps[$1] : log.timestamps[$0] < log.timestamps[$1] }
        if options.dropConsecutiveRepeats {
            sorted = sorted.enumerated().filter { $0.offset == 0 || log.items[$0.element] != log.items[sorted[$0.offset - 1]] }.map(\.element)
        }
        perUser[user] = sorted
    }
    while true {
        var itemCounts: [Int32: Int] = [:]
        for list in perUser.values { for event in list { itemCounts[log.items[event], default: 0] += 1 } }
        let badUsers = perUser.filter { $0.value.count < options.userCore }.map(\.key)
        let badItems = Set(itemCounts.filter { $0.value < options.itemCore }.map(\.key))
        if badUsers.isEmpty && badItems.isEmpty { break }
        for user in badUsers { perUser[user] = nil }
        for (user, list) in perUser { perUser[user] = list.filter { !badItems.contains(log.items[$0]) } }
    }
    perUser = perUser.filter { !$0.value.isEmpty }
    let survivors = perUser.values.flatMap { $0 }.sorted()
    guard !survivors.isEmpty else { return nil }
    var userOrder: [Int32] = [], itemIds: [Int32: Int32] = [:], itemNames = [""]
    for event in survivors {
        if !userOrder.contains(log.users[event]) { userOrder.append(log.users[event]) }
        if itemIds[log.items[event]] == nil {
            itemIds[log.items[event]] = Int32(itemNames.count)
            itemNames.append(log.itemNames[Int(log.items[event])])
        }
    }
    var sequences = Sequences()
    for user in userOrder {
        let list = perUser[user]!
        sequences.append(items: list.map { itemIds[log.items[$0]]! }, timestamps: list.map { log.timestamps[$0] })
    }
    return Dataset(
        sequences: sequences, users: IDMap(names: userOrder.map { log.userNames[Int($0)] }), items: IDMap(names: itemNames))
}

@Suite struct PreprocessingTests {
    @Test func sortsEachUserByTimeKeepingFileOrderOnTies() throws {
        let log = makeLog([("a", "x", 3), ("a", "y", 1), ("b", "z", 5), ("a", "z", 1), ("a", "w", 2)])
        let dataset = try preprocess(log, options: PreprocessOptions())
        #expect(namedSequences(dataset) == ["a": ["y", "z", "w", "x"], "b": ["z"]])
        #expect(Array(dataset.sequences.times(0)) == [1, 1, 2, 3])
        #expect(dataset.items.names == ["", "x", "y", "z", "w"])
        #expect(dataset.users.names == ["a", "b"])
    }

    @Test func dropsEventsBelowTheMinimumRating() throws {
        let log = makeLog([("a", "x", 1), ("b", "y", 2), ("a", "y", 3)], ratings: [2, 5, 4])
        let dataset = try preprocess(log, options: PreprocessOptions(minimumRating: 4))
        // "a"'s first kept event comes after "b"'s in the file, and "x" is gone.
        #expect(dataset.users.names == ["b", "a"])
        #expect(dataset.items.names == ["", "y"])
        #expect(namedSequences(dataset) == ["a": ["y"], "b": ["y"]])
    }

    @Test func aMinimumRatingNeedsRatings() {
        let log = makeLog([("a", "x", 1)])
        #expect(throws: DataError.self) { try preprocess(log, options: PreprocessOptions(minimumRating: 3)) }
        #expect(throws: DataError.self) { try preprocess(log, options: PreprocessOptions(userCore: -1)) }
    }

    @Test func dropsConsecutiveRepeatsKeepingTheFirst() throws {
        let log = makeLog([("a", "x", 1), ("a", "x", 2), ("a", "y", 3), ("a", "y", 4), ("a", "x", 5), ("b", "x", 0)])
        let dataset = try preprocess(log, options: PreprocessOptions(dropConsecutiveRepeats: true))
        #expect(namedSequences(dataset) == ["a": ["x", "y", "x"], "b": ["x"]])
        #expect(Array(dataset.sequences.times(0)) == [1, 3, 5])
    }

    @Test func coreFilterRepeatsUntilStable() throws {
        // Item "r" has one event, so with item core 2 it goes; then user "c" has one event left and
        // goes with user core 2; then item "q" has one event left and goes too.
        let log = makeLog([
            ("a", "p", 1), ("a", "s", 2), ("b", "p", 1), ("b", "s", 2),
            ("c", "q", 1), ("c", "r", 2), ("d", "q", 1), ("d", "p", 2), ("d", "s", 3),
        ])
        let dataset = try preprocess(log, options: PreprocessOptions(userCore: 2, itemCore: 2))
        #expect(namedSequences(dataset) == ["a": ["p", "s"], "b": ["p", "s"], "d": ["p", "s"]])
        #expect(dataset.items.names == ["", "p", "s"])
    }

    @Test func reportsWhenNothingIsLeft() {
        let log = makeLog([("a", "x", 1), ("b", "y", 1)])
        #expect {
            try preprocess(log, options: PreprocessOptions(userCore: 5))
        } throws: { error in
            guard case DataError.nothingLeft(let message) = error else { return false }
            return message.contains("core")
        }
        #expect(throws: DataError.self) {
            try preprocess(makeLog([("a", "x", 1)], ratings: [1]), options: PreprocessOptions(minimumRating: 2))
        }
        #expect(throws: DataError.self) { try preprocess(makeLog([]), options: PreprocessOptions()) }
    }

    @Test func rejectsAnEmptyItemId() {
        #expect(throws: DataError.self) { try preprocess(makeLog([("a", "", 1)]), options: PreprocessOptions()) }
    }

    @Test func fingerprintIsStableAndDistinct() {
        let options = PreprocessOptions(minimumRating: 3.5, dropConsecutiveRepeats: true, userCore: 5, itemCore: 2)
        #expect(options.fingerprint == "preprocess-v1(min-rating=3.5,drop-repeats=true,user-core=5,item-core=2)")
        #expect(PreprocessOptions().fingerprint != PreprocessOptions(itemCore: 1).fingerprint)
    }

    @Test func matchesTheReferenceOnRandomLogs() throws {
        var random = SplitMix64(seed: 11)
        for _ in 0..<300 {
            let eventCount = 1 + random.next(below: 60)
            let userCount = 1 + random.next(below: 8), itemCount = 1 + random.next(below: 10)
            var rows: [(String, String, Timestamp)] = [], ratings: [Float] = []
            for _ in 0..<eventCount {
                rows.append(("u\(random.next(below: userCount))", "i\(random.next(below: itemCount))",
                             Timestamp(random.next(below: 6))))
                ratings.append(Float(random.next(below: 5) + 1))
            }
            let log = makeLog(rows, ratings: ratings)
            let options = PreprocessOptions(
                minimumRating: random.next(below: 2) == 0 ? nil : Float(random.next(below: 4) + 1),
                dropConsecutiveRepeats: random.next(below: 2) == 0,
                userCore: random.next(below: 5), itemCore: random.next(below: 5))
            let expected = referencePreprocess(log, options: options)
            if let expected {
                #expect(try preprocess(log, options: options) == expected, "options \(options), rows \(rows)")
            } else {
                #expect(throws: DataError.self) { try preprocess(log, options: options) }
            }
        }
    }

    @Test func preprocessesMovieLens100K() throws {
        let text = try String(contentsOfFile: MovieLens100K.path, encoding: .utf8)
        var rows: [(String, String, Timestamp)] = [], ratings: [Float] = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t")
            rows.append((String(fields[0]), String(fields[1]), Timestamp(fields[3])!))
            ratings.append(Float(fields[2])!)
        }
        let log = makeLog(rows, ratings: ratings)
        let all = try preprocess(log, options: PreprocessOptions())
        #expect((all.userCount, all.itemCount, all.interactionCount) == (943, 1682, 100_000))
        let options = PreprocessOptions(minimumRating: 4, userCore: 5, itemCore: 5)
        #expect(try preprocess(log, options: options) == referencePreprocess(log, options: options))
    }
}
