import Foundation
import Testing
@testable import RecutData

@Suite struct StatisticsTests {
    /// Three users: [1, 2, 1], [2, 3], [4]; items 1 and 2 have two events, 3 and 4 one each.
    private static let dataset: Dataset = {
        var sequences = Sequences()
        sequences.append(items: [1, 2, 1] as [Int32], timestamps: [10, 20, 30])
        sequences.append(items: [2, 3] as [Int32], timestamps: [5, 40])
        sequences.append(items: [4] as [Int32], timestamps: [15])
        return Dataset(
            sequences: sequences, users: IDMap(names: ["a", "b", "c"]), items: IDMap(names: ["", "w", "x", "y", "z"]))
    }()

    @Test func valuesMatchAHandCalculation() {
        let statistics = DatasetStatistics(dataset: Self.dataset)
        #expect((statistics.users, statistics.items, statistics.interactions) == (3, 4, 6))
        #expect(statistics.density == 0.5)
        // Lengths sorted [1, 2, 3]; percentile p sits at rank p * 2, interpolated.
        let lengths = statistics.sequenceLength
        #expect((lengths.min, lengths.p25, lengths.p50, lengths.p75, lengths.max, lengths.mean) == (1, 1.5, 2, 2.5, 3, 2))
        #expect(abs(lengths.p90 - 2.8) < 1e-12 && abs(lengths.p99 - 2.98) < 1e-12)
        #expect(statistics.timeRange == .init(first: 5, last: 40))
        // Counts sorted [1, 1, 2, 2]: sum of (2i - n - 1) x_i = -3 - 1 + 2 + 6 = 4; Gini = 4 / (4 * 6).
        #expect(abs(statistics.popularityGini - 1.0 / 6) < 1e-12)
        // Four items: the top 1% is one item, holding 2 of 6 events.
        #expect(abs(statistics.topOnePercentShare - 1.0 / 3) < 1e-12)
        // Only the second 1 of user "a" repeats.
        #expect(abs(statistics.repeatShare - 1.0 / 6) < 1e-12)
    }

    @Test func equalPopularityHasZeroGini() {
        var sequences = Sequences()
        sequences.append(items: [1, 2] as [Int32], timestamps: [1, 2])
        sequences.append(items: [3, 4] as [Int32], timestamps: [1, 2])
        let dataset = Dataset(
            sequences: sequences, users: IDMap(names: ["a", "b"]), items: IDMap(names: ["", "w", "x", "y", "z"]))
        let statistics = DatasetStatistics(dataset: dataset)
        #expect(statistics.popularityGini == 0)
        #expect(statistics.repeatShare == 0)
        #expect(statistics.topOnePercentShare == 0.25)
    }

    @Test func roundTripsThroughJSONAndPrintsATable() throws {
        let statistics = DatasetStatistics(dataset: Self.dataset)
        let json = try JSONEncoder().encode(statistics)
        #expect(try JSONDecoder().decode(DatasetStatistics.self, from: json) == statistics)
        let table = statistics.formatted()
        #expect(table.contains("interactions") && table.contains("6"))
        #expect(table.contains("popularity Gini") && table.contains("0.1667"))
        #expect(table.contains("1970-01-01 00:00:05 UTC"))
        #expect(table.split(separator: "\n").count == 14)
        #expect(table.contains("exact duplicates"))
    }

    @Test func handlesAnEmptyDataset() {
        let dataset = Dataset(sequences: Sequences(), users: IDMap(names: []), items: IDMap(names: [""]))
        let statistics = DatasetStatistics(dataset: dataset)
        #expect(statistics.interactions == 0 && statistics.density == 0 && statistics.popularityGini == 0)
        #expect(!statistics.formatted().isEmpty)
    }

    @Test func countsExactDuplicateEvents() {
        var sequences = Sequences()
        // (item 1, time 5) twice among ties, and once more; (item 2, time 6) and (2, 7) differ in time.
        sequences.append(items: [1, 2, 1, 1, 2, 2] as [Int32], timestamps: [5, 5, 5, 5, 6, 7])
        sequences.append(items: [1, 1] as [Int32], timestamps: [1, 2])
        let dataset = Dataset(sequences: sequences, users: IDMap(names: ["a", "b"]), items: IDMap(names: ["", "x", "y"]))
        #expect(DatasetStatistics(dataset: dataset).exactDuplicates == 2)
    }

    @Test func printsADateOnlyForTimesThatReadAsSeconds() {
        var sequences = Sequences()
        sequences.append(items: [1, 1] as [Int32], timestamps: [1_700_000_000_000_000_000, 1_700_000_000_000_000_001])
        let dataset = Dataset(sequences: sequences, users: IDMap(names: ["a"]), items: IDMap(names: ["", "x"]))
        let table = DatasetStatistics(dataset: dataset).formatted()
        #expect(table.contains("first event         1700000000000000000\n"))
        #expect(!table.contains("()"))
    }
}
