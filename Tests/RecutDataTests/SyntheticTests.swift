import Foundation
import Testing
@testable import RecutData

@Suite struct SyntheticTests {
    private static let config = SyntheticConfig(users: 2000, items: 1000, meanLength: 30, seed: 7)
    private static let log = SyntheticGenerator.generate(config)

    @Test func sameSeedGivesTheSameLog() {
        let again = SyntheticGenerator.generate(Self.config)
        #expect(again.users == Self.log.users && again.items == Self.log.items)
        #expect(again.timestamps == Self.log.timestamps && again.itemNames == Self.log.itemNames)
        var other = Self.config
        other.seed = 8
        #expect(SyntheticGenerator.generate(other).items != Self.log.items)
    }

    @Test func sizesAreAsConfigured() {
        let log = Self.log
        #expect(log.userNames.count == 2000 && Set(log.users).count == 2000)
        #expect(log.count > 2000 * 27 && log.count < 2000 * 33)
        #expect(log.itemNames.count > 900 && log.itemNames.count <= 1000)
        #expect(log.ratings == nil)
        #expect(log.userNames.first == "u1")
        #expect(Set(log.itemNames).count == log.itemNames.count)
        var lengths = [Int](repeating: 0, count: 2000)
        for user in log.users { lengths[Int(user)] += 1 }
        #expect(lengths.min()! >= SyntheticGenerator.minimumLength)
    }

    @Test func timestampsIncreasePerUser() {
        let log = Self.log
        for event in 1..<log.count where log.users[event] == log.users[event - 1] {
            #expect(log.timestamps[event] > log.timestamps[event - 1])
        }
    }

    @Test func popularityIsHeavyTailed() throws {
        let dataset = try preprocess(Self.log, options: PreprocessOptions())
        let statistics = DatasetStatistics(dataset: dataset)
        #expect(statistics.topOnePercentShare > 5 * 0.01)
        #expect(statistics.popularityGini > 0.4)
    }

    /// The item that most often follows each item in the first half of the users predicts the
    /// next event of the second half far better than always guessing the most popular item.
    @Test func nextItemIsPredictableFromTheLastOne() throws {
        let sequences = try preprocess(Self.log, options: PreprocessOptions()).sequences
        let half = sequences.count / 2
        var successors: [Int64: Int] = [:]
        var popularity: [Int32: Int] = [:]
        for user in 0..<half {
            let items = Array(sequences[user])
            for position in 0..<items.count {
                popularity[items[position], default: 0] += 1
                if position > 0 { successors[Int64(items[position - 1]) << 32 | Int64(items[position]), default: 0] += 1 }
            }
        }
        var bestNext: [Int32: (item: Int32, count: Int)] = [:]
        for (pair, count) in successors {
            let previous = Int32(pair >> 32), next = Int32(truncatingIfNeeded: pair)
            if count > bestNext[previous]?.count ?? 0 { bestNext[previous] = (next, count) }
        }
        let mostPopular = popularity.max { $0.value < $1.value }!.key
        var transitions = 0, successorHits = 0, popularHits = 0
        for user in half..<sequences.count {
            let items = Array(sequences[user])
            for position in 1..<items.count {
                transitions += 1
                if bestNext[items[position - 1]]?.item == items[position] { successorHits += 1 }
                if mostPopular == items[position] { popularHits += 1 }
            }
        }
        let successorRate = Double(successorHits) / Double(transitions)
        let popularRate = Double(popularHits) / Double(transitions)
        #expect(successorRate > 0.3)
        #expect(successorRate > 5 * popularRate)
    }

    @Test func validationRejectsEmptySizes() {
        #expect(throws: DataError.self) { try SyntheticConfig(users: 0).validate() }
        #expect(throws: DataError.self) { try SyntheticConfig(items: 0).validate() }
        #expect(throws: DataError.self) { try SyntheticConfig(meanLength: 0).validate() }
        #expect(throws: Never.self) { try SyntheticConfig().validate() }
    }
}

@Test func generatedCSVRefusesToReplaceAFileUnlessAskedAndReadsBack() throws {
    let fixtures = try Fixtures()
    let log = SyntheticGenerator.generate(SyntheticConfig(users: 20, items: 30, meanLength: 5, seed: 2))
    let path = try fixtures.file("events.csv", "precious\n")
    #expect(throws: DataError.unwritable(file: path, reason: "the file exists; pass --overwrite to replace it")) {
        try InteractionLogWriter.writeCSV(log, to: path, overwrite: false)
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious\n")
    try InteractionLogWriter.writeCSV(log, to: path, overwrite: true)
    let read = try InteractionReader.read(path: path).log
    #expect(read.timestamps == log.timestamps && read.userNames == log.userNames && read.itemNames == log.itemNames)
}
