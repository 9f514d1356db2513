import Foundation
import Testing
@testable import RecutData

/// A scratch folder for fixture files, removed when the test ends (shared by the reader tests).
final class Fixtures {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("recut-readers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: folder) }

    func file(_ name: String, _ text: String) throws -> String { try file(name, bytes: Array(text.utf8)) }

    func file(_ name: String, bytes: [UInt8]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }
}

/// Reads `path` and returns the error, which must be a `DataError`.
func readError(_ path: String, _ options: ReadOptions = ReadOptions()) -> DataError? {
    do {
        _ = try InteractionReader.read(path: path, options: options)
        return nil
    } catch {
        return error as? DataError
    }
}

/// The line and reason of a `.badRow` error, nil for anything else.
func badRow(_ error: DataError?) -> (line: Int, reason: String)? {
    guard case .badRow(_, let line, let reason) = error else { return nil }
    return (line, reason)
}

@Suite struct ReaderTests {
    @Test func csvWithQuotesTiesAndRatingsKeepsFileOrder() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", #"""
            user_id,item_id,rating,timestamp
            alice,"a,b",4.5,100
            bob,42,3,100
            alice,42,5,99
            "say ""hi""",007,1,1.5e2

            """#)
        let result = try InteractionReader.read(path: path, options: ReadOptions())
        #expect(result.format == .csv)
        #expect(result.skippedRows == 0)
        let log = result.log
        #expect(log.userNames == ["alice", "bob", "say \"hi\""])
        #expect(log.itemNames == ["a,b", "42", "007"])
        #expect(log.users == [0, 1, 0, 2])
        #expect(log.items == [0, 1, 1, 2])
        #expect(log.timestamps == [100, 100, 99, 150])
        #expect(log.ratings == [4.5, 3, 5, 1])
    }

    @Test func tsvIsDetectedAndReadWithoutRatings() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.txt", "UserID\tItemID\tTime\n1\t10\t881250949.0\n2\t11\t881250950\n")
        let result = try InteractionReader.read(path: path, options: ReadOptions())
        #expect(result.format == .tsv)
        #expect(result.log.userNames == ["1", "2"])
        #expect(result.log.itemNames == ["10", "11"])
        #expect(result.log.timestamps == [881_250_949, 881_250_950])
        #expect(result.log.ratings == nil)
    }

    @Test func recBoleIsDetectedByHeaderAndByExtension() throws {
        let fixtures = try Fixtures()
        let text = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n196\t242\t3\t881250949\n186\t302\t3\t891717742\n"
        let byHeader = try fixtures.file("ml.txt", text)
        #expect(try InteractionFormat.detect(path: byHeader) == .recbole)
        let byExtension = try fixtures.file("odd.inter", "uid\tiid\tts\n1\t2\t3\n")
        #expect(try InteractionFormat.detect(path: byExtension) == .recbole)
        let log = try InteractionReader.read(path: byHeader, options: ReadOptions()).log
        #expect(log.userNames == ["196", "186"])
        #expect(log.itemNames == ["242", "302"])
        #expect(log.timestamps == [881_250_949, 891_717_742])
        #expect(log.ratings == [3, 3])
    }

    @Test func movieLensDatHasRatingsAndTimestamps() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("ratings.dat", "1::1193::5::978300760\r\n1::661::3::978302109\r\n2::1193::4::978300760")
        let result = try InteractionReader.read(path: path, options: ReadOptions())
        #expect(result.format == .movielens)
        #expect(result.log.userNames == ["1", "2"])
        #expect(result.log.itemNames == ["1193", "661"])
        #expect(result.log.users == [0, 0, 1])
        #expect(result.log.items == [0, 1, 0])
        #expect(result.log.ratings == [5, 3, 4])
        #expect(result.log.timestamps == [978_300_760, 978_302_109, 978_300_760])
    }

    @Test func pairsUseFileOrderAsTime() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("train.txt", "1 5\n1 3\n\n2  5\n1\t5\n")
        let result = try InteractionReader.read(path: path, options: ReadOptions())
        #expect(result.format == .pairs)
        #expect(result.log.users == [0, 0, 1, 0])
        #expect(result.log.items == [0, 1, 0, 0])
        #expect(result.log.timestamps == [0, 1, 2, 3])
        #expect(result.log.ratings == nil)
    }

    @Test func unrecognisableFirstLineAsksForTheFormat() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("x.txt", "just words here\n")
        #expect(readError(path) == .unknownFormat(file: path, firstLine: "just words here"))
    }

    @Test func columnsChosenByName() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "Stars,UID,Movie,TS\n4,u1,m1,10\n2,u2,m1,11\n")
        let columns = try ColumnSelection(parsing: "user=uid, item=movie,timestamp=ts,rating=stars")
        #expect(columns == ColumnSelection(user: .name("uid"), item: .name("movie"), timestamp: .name("ts"),
                                           rating: .name("stars")))
        let log = try InteractionReader.read(path: path, options: ReadOptions(columns: columns)).log
        #expect(log.userNames == ["u1", "u2"])
        #expect(log.itemNames == ["m1"])
        #expect(log.timestamps == [10, 11])
        #expect(log.ratings == [4, 2])
    }

    @Test func columnsChosenByIndex() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "a,b,c,d\nu1,i1,x,7\nu2,i2,y,8\n")
        let columns = try ColumnSelection(parsing: "user=0,item=1,timestamp=3")
        #expect(columns == ColumnSelection(user: .index(0), item: .index(1), timestamp: .index(3)))
        let log = try InteractionReader.read(path: path, options: ReadOptions(columns: columns)).log
        #expect(log.userNames == ["u1", "u2"])
        #expect(log.itemNames == ["i1", "i2"])
        #expect(log.timestamps == [7, 8])
        #expect(log.ratings == nil)
    }

    @Test func columnSelectionRejectsUnknownColumnsAndBareNames() {
        #expect(throws: DataError.self) { try ColumnSelection(parsing: "person=0") }
        #expect(throws: DataError.self) { try ColumnSelection(parsing: "user") }
    }

    @Test func blankLinesCarriageReturnsAndMissingFinalNewlineAreFine() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "\r\nuser,item,time\r\n\r\na,b,1\r\n   \r\nc,d,2")
        let result = try InteractionReader.read(path: path, options: ReadOptions())
        #expect(result.skippedRows == 0)
        #expect(result.log.userNames == ["a", "c"])
        #expect(result.log.itemNames == ["b", "d"])
        #expect(result.log.timestamps == [1, 2])
    }

    @Test func emptyFilesAreRejected() throws {
        let fixtures = try Fixtures()
        for (name, text) in [("empty.csv", ""), ("blank.csv", "\n \n"), ("header.csv", "user,item,ts\n"),
                             ("blank.dat", "\n\n")] {
            let path = try fixtures.file(name, text)
            #expect(readError(path, ReadOptions(format: .csv)) == .emptyFile(file: path))
        }
    }

    @Test func missingColumnsNameTheColumn() throws {
        let fixtures = try Fixtures()
        let noTime = try fixtures.file("log.csv", "user,item,rating\na,b,3\n")
        #expect(readError(noTime) == .missingColumn(file: noTime, column: "timestamp", header: ["user", "item", "rating"]))
        let noUser = try fixtures.file("log.tsv", "who\titem\tts\na\tb\t1\n")
        #expect(readError(noUser) == .missingColumn(file: noUser, column: "user", header: ["who", "item", "ts"]))
        let noStars = try fixtures.file("stars.tsv", "user\titem\tts\na\tb\t1\n")
        let starsRating = ReadOptions(columns: ColumnSelection(rating: .name("stars")))
        #expect(readError(noStars, starsRating) == .missingColumn(file: noStars, column: "rating", header: ["user", "item", "ts"]))
    }

    @Test func nonNumericTimestampIsABadRow() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "user,item,ts\na,b,1\n\nc,d,yesterday\n")
        let row = try #require(badRow(readError(path)))
        #expect(row.line == 4)
        #expect(row.reason == "timestamp \"yesterday\" is not a number or an ISO-8601 date")
    }

    @Test func nonNumericRatingIsABadRow() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "user,item,rating,ts\na,b,good,1\n")
        let row = try #require(badRow(readError(path)))
        #expect(row.line == 2)
        #expect(row.reason == "rating \"good\" is not a number")
    }

    @Test func movieLensIdsOutOfRangeAreBadRows() throws {
        let fixtures = try Fixtures()
        for (id, line) in [("-1", 2), ("2147483648", 2), ("1.5", 2), ("99999999999999999999", 2)] {
            let path = try fixtures.file("ratings.dat", "1::2::3::4\n\(id)::2::3::4\n")
            let row = try #require(badRow(readError(path)))
            #expect(row.line == line)
            #expect(row.reason == "user id \"\(id)\" is not an integer in 0...2147483647")
        }
        let largest = try fixtures.file("ratings.dat", "2147483647::0::3::4\n")
        #expect(try InteractionReader.read(path: largest, options: ReadOptions()).log.userNames == ["2147483647"])
    }

    @Test func pairsIdsOutOfRangeAreBadRows() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("train.txt", "1 2\n3 4\n5 -6\n")
        let row = try #require(badRow(readError(path)))
        #expect(row.line == 3)
        #expect(row.reason == "item id \"-6\" is not an integer in 0...2147483647")
    }

    @Test func invalidUTF8IsABadRow() throws {
        let fixtures = try Fixtures()
        let bytes = Array("user,item,ts\na,b,1\n".utf8) + [0x61, 0xFF, 0x62] + Array(",c,2\n".utf8)
        let path = try fixtures.file("log.csv", bytes: bytes)
        let row = try #require(badRow(readError(path)))
        #expect(row.line == 3)
        #expect(row.reason.hasPrefix("user id \"a"))
        #expect(row.reason.hasSuffix("is not valid UTF-8"))
    }

    @Test func emptyStringIdIsABadRow() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "user,item,ts\n,b,1\n")
        let row = try #require(badRow(readError(path)))
        #expect(row.line == 2)
        #expect(row.reason == "user id \"\" is empty")
    }

    @Test func tooFewFieldsIsABadRow() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.tsv", "user\titem\tts\na\tb\t1\na\tb\n")
        let row = try #require(badRow(readError(path)))
        #expect(row.line == 3)
        #expect(row.reason == "expected at least 3 fields, found 2")
    }

    @Test func unclosedQuoteIsABadRow() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "user,item,ts\n\"a,b,1\nc,d,2\n")
        let row = try #require(badRow(readError(path)))
        #expect(row.line == 2)
        #expect(row.reason == "field 1 opens a quote that the line never closes")
    }

    @Test func skippingBadRowsCountsThem() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "user,item,ts\na,b,1\nc,d\n,e,2\nf,g,x\n\nh,i,3\n\"j,k,4\n")
        let result = try InteractionReader.read(path: path, options: ReadOptions(skipBadRows: true))
        #expect(result.skippedRows == 4)
        #expect(result.log.userNames == ["a", "h"])
        #expect(result.log.itemNames == ["b", "i"])
        #expect(result.log.timestamps == [1, 3])
    }

    @Test func onlyBadRowsAreReportedAsAllSkipped() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("train.txt", "1 x\n")
        #expect(readError(path, ReadOptions(format: .pairs, skipBadRows: true))
            == .allRowsSkipped(file: path, count: 1, firstLine: 1, firstReason: "item id \"x\" is not an integer in 0...\(Int32.max)"))
        let csv = try fixtures.file("log.csv", "user,item,ts\nu,i,never\nu,i,later\n")
        let error = readError(csv, ReadOptions(skipBadRows: true))
        #expect(error == .allRowsSkipped(file: csv, count: 2, firstLine: 2, firstReason: "timestamp \"never\" is not a number or an ISO-8601 date"))
        #expect(error?.description.contains("all 2 data rows are malformed") == true)
    }

    @Test func movieLens100KReadsWhole() throws {
        let result = try InteractionReader.read(path: MovieLens100K.path, options: ReadOptions())
        #expect(result.format == .recbole)
        #expect(result.skippedRows == 0)
        #expect(result.log.count == 100_000)
        #expect(result.log.userNames.count == 943)
        #expect(result.log.itemNames.count == 1682)
        #expect(Set(result.log.users).count == 943)
        #expect(Set(result.log.items).count == 1682)
        let ratings = try #require(result.log.ratings)
        #expect(ratings.count == 100_000)
        #expect(ratings.allSatisfy { (1...5).contains($0) })
    }
}
