import Foundation
import Testing
@testable import RecutData

/// Timestamps are exact 64-bit integers, ISO-8601 dates are read as Unix seconds, and values
/// that fit no timestamp are bad rows.
@Suite struct TimestampTests {
    private func times(_ fields: [String]) -> [Result<Timestamp, TimestampProblem>] {
        fields.map { text in
            var bytes = Array(text.utf8)
            return bytes.withUnsafeMutableBufferPointer { UnsafeBufferPointer($0).timestamp() }
        }
    }

    @Test func integersAreExactOverTheWholeInt64Range() {
        let fields = ["1700000000000000001", "1700000000000000002", "9223372036854775807", "-9223372036854775808",
                      "-5", "+7", "0"]
        let values = times(fields).map { try? $0.get() }
        #expect(values == [1_700_000_000_000_000_001, 1_700_000_000_000_000_002, .max, .min, -5, 7, 0])
    }

    @Test func decimalsAreRoundedDownAndISODatesReadAsUnixSeconds() {
        let fields = ["881250949.0", "1.5e9", "99.9", "-0.5", "2024-03-01", "2024-03-01T12:30:00Z",
                      "2024-03-01 12:30:00.25+02:00", "2024-03-01T12:30-0130", "1969-12-31T23:59:59Z", "2000-02-29"]
        let values = times(fields).map { try? $0.get() }
        #expect(values == [881_250_949, 1_500_000_000, 99, -1, 1_709_251_200, 1_709_296_200,
                           1_709_289_000, 1_709_301_600, -1, 951_782_400])
    }

    @Test func outOfRangeAndMalformedValuesAreNoTime() {
        let fields = ["1e300", "9223372036854775808", "-9223372036854775809", "99999999999999999999999",
                      "2023-02-29", "2024-13-01", "2024-03-01T24:00:00", "2024-03-01T12:30:00+", "nan", "inf", "", "2024-3-1"]
        for (field, result) in zip(fields, times(fields)) {
            #expect((try? result.get()) == nil, "\(field) was read as a time")
        }
        #expect(times(["1e300"]).first.map { if case .failure(.outOfRange) = $0 { true } else { false } } == true)
    }

    @Test func nanosecondsStayDistinctThroughReadingPreprocessingAndSplitFiles() throws {
        let fixtures = try Fixtures()
        // Above 2^53 these three times are one Double; as integers they order the events.
        let path = try fixtures.file("ns.csv", """
            user,item,timestamp
            u,c,1700000000000000003
            u,a,1700000000000000001
            u,b,1700000000000000002
            v,a,2024-03-01T00:00:00Z
            v,b,2024-03-02
            v,c,2024-03-03

            """)
        let log = try InteractionReader.read(path: path).log
        #expect(log.timestamps.prefix(3) == [1_700_000_000_000_000_003, 1_700_000_000_000_000_001, 1_700_000_000_000_000_002])
        let dataset = try preprocess(log, options: PreprocessOptions())
        #expect(dataset.sequences[0].map { dataset.items.name(of: $0) } == ["a", "b", "c"])
        let folder = fixtures.folder.appendingPathComponent("split").path
        try SplitWriter().write(try split(dataset, strategy: .leaveOneOut), dataset: dataset, to: folder)
        let test = try String(contentsOfFile: folder + "/test.tsv", encoding: .utf8)
        #expect(test.contains("u\tc\t1700000000000000003\n"))
        #expect(test.contains("v\tc\t1709424000\n"))
    }

    @Test func anAbsurdTimestampIsABadRowWithItsLine() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("huge.csv", "user,item,ts\nu,i,1\nu,j,1e300\n")
        let row = try #require(badRow(readError(path)))
        #expect(row.line == 3)
        #expect(row.reason.contains("out of the range"))
    }
}
