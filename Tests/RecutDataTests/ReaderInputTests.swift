import Foundation
import Testing
@testable import RecutData

/// Inputs a careful user expects to be read right or refused clearly: ambiguous columns,
/// ids that cannot be written back, streams and compressed files.
@Suite struct ReaderInputTests {
    @Test func idColumnsWinOverBareNamesByRank() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("log.csv", "user_id,item_id,item,timestamp,user\n7,42,Heat,1,Ann\n8,43,Alien,2,Bob\n")
        let log = try InteractionReader.read(path: path).log
        #expect(log.userNames == ["7", "8"])
        #expect(log.itemNames == ["42", "43"])
    }

    @Test func twoCandidatesOfOneRankAreAnError() throws {
        let fixtures = try Fixtures()
        let users = try fixtures.file("users.csv", "uid,user_id,item,ts\n1,2,3,4\n")
        #expect(readError(users) == .ambiguousColumn(file: users, column: "user", candidates: ["uid", "user_id"]))
        let times = try fixtures.file("times.csv", "user,item,time,timestamp\n1,2,3,4\n")
        #expect(readError(times) == .ambiguousColumn(file: times, column: "timestamp", candidates: ["time", "timestamp"]))
        #expect(readError(times)!.description.contains("time, timestamp"))
    }

    @Test func aHeaderNamingAColumnTwiceIsAnError() throws {
        let fixtures = try Fixtures()
        let path = try fixtures.file("twice.csv", "user,item,timestamp,Timestamp\n1,2,3,4\n")
        #expect(readError(path) == .ambiguousColumn(file: path, column: "timestamp", candidates: ["timestamp", "Timestamp"]))
        let named = try fixtures.file("named.csv", "who,who,item,ts\n1,2,3,4\n")
        let options = ReadOptions(columns: ColumnSelection(user: .name("who")))
        #expect(readError(named, options) == .ambiguousColumn(file: named, column: "user", candidates: ["who", "who"]))
    }

    @Test func twoRolesOnOneColumnAreAnError() throws {
        let fixtures = try Fixtures()
        let csv = try fixtures.file("log.csv", "user,item,ts\n1,2,3\n")
        let same = try ColumnSelection(parsing: "user=0,item=0")
        guard case .invalidOption(let message) = readError(csv, ReadOptions(columns: same)) else {
            Issue.record("user=0,item=0 was accepted")
            return
        }
        #expect(message.contains("user and item"))
        let pairs = try fixtures.file("log.txt", "1 2\n3 4\n")
        #expect(readError(pairs, ReadOptions(columns: try ColumnSelection(parsing: "item=0"))) != nil)
        #expect(throws: DataError.self) { try ColumnSelection(parsing: "user=0,user=1") }
    }

    @Test func idsThatCannotBeWrittenBackAreRefusedWithTheirLine() throws {
        let fixtures = try Fixtures()
        let tab = try fixtures.file("tab.csv", "user,item,ts\nu,i,1\n\"a\tb\",i,2\n")
        let row = try #require(badRow(readError(tab)))
        #expect(row.line == 3)
        #expect(row.reason.contains("tab"))
        let carriageReturn = try fixtures.file("cr.tsv", "user\titem\tts\nu\tx\ry\t1\n")
        #expect(badRow(readError(carriageReturn))?.line == 2)
        let skipped = try InteractionReader.read(path: tab, options: ReadOptions(skipBadRows: true))
        #expect(skipped.skippedRows == 1)
        #expect(skipped.log.userNames == ["u"])
    }

    static let csv = "user_id,item_id,timestamp\nu1,a,1\nu1,b,2\nu2,a,3\n"

    private func expectSample(_ result: ReadResult) {
        #expect(result.log.userNames == ["u1", "u2"])
        #expect(result.log.itemNames == ["a", "b"])
        #expect(result.log.timestamps == [1, 2, 3])
    }

    @Test func gzipAndZstdFilesAreDecompressed() throws {
        let fixtures = try Fixtures()
        // `gzip -n` and `zstd` of `csv`.
        let gzip: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x2b, 0x2d, 0x4e, 0x2d, 0x8a, 0xcf, 0x4c, 0xd1,
            0xc9, 0x2c, 0x49, 0xcd, 0x05, 0xd1, 0x25, 0x99, 0xb9, 0xa9, 0xc5, 0x25, 0x89, 0xb9, 0x05, 0x5c, 0xa5, 0x86,
            0x3a, 0x89, 0x3a, 0x86, 0x20, 0x2a, 0x49, 0xc7, 0x88, 0xab, 0xd4, 0x08, 0xc8, 0x33, 0xe6, 0x02, 0x00, 0xc3,
            0x83, 0x13, 0xf7, 0x2f, 0x00, 0x00, 0x00,
        ]
        expectSample(try InteractionReader.read(path: try fixtures.file("log.csv.gz", bytes: gzip)))
        // Concatenated members are one file, as with gzip itself.
        let twice = try InteractionReader.read(path: try fixtures.file("twice.csv.gz", bytes: gzip + gzip), options: ReadOptions(skipBadRows: true))
        #expect(twice.log.count == 6 && twice.skippedRows == 1)
        let truncated = try fixtures.file("cut.csv.gz", bytes: Array(gzip.dropLast(12)))
        guard case .unreadable(_, let reason) = readError(truncated) else {
            Issue.record("a truncated gzip file was accepted")
            return
        }
        #expect(reason.contains("gzip"))
        let zstd: [UInt8] = [
            0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x2f, 0x79, 0x01, 0x00, 0x75, 0x73, 0x65, 0x72, 0x5f, 0x69, 0x64, 0x2c, 0x69,
            0x74, 0x65, 0x6d, 0x5f, 0x69, 0x64, 0x2c, 0x74, 0x69, 0x6d, 0x65, 0x73, 0x74, 0x61, 0x6d, 0x70, 0x0a, 0x75,
            0x31, 0x2c, 0x61, 0x2c, 0x31, 0x0a, 0x75, 0x31, 0x2c, 0x62, 0x2c, 0x32, 0x0a, 0x75, 0x32, 0x2c, 0x61, 0x2c,
            0x33, 0x0a, 0xf0, 0xe6, 0x2d, 0x1f,
        ]
        let zstdPath = try fixtures.file("log.csv.zst", bytes: zstd)
        if dlopen("libzstd.so.1", RTLD_NOW) != nil {
            expectSample(try InteractionReader.read(path: zstdPath))
        } else {
            #expect(readError(zstdPath)?.description.contains("libzstd") == true)
        }
    }

    @Test func aPipeIsReadToItsEnd() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let writer = ends[1]
        let thread = Thread {
            // Written in pieces, after a pause, as `zcat` would: the reader must wait for all of it.
            usleep(50_000)
            for line in Self.csv.split(separator: "\n", omittingEmptySubsequences: false) {
                let text = Array((line + "\n").utf8)
                _ = text.withUnsafeBytes { write(writer, $0.baseAddress!, $0.count) }
            }
            close(writer)
        }
        thread.start()
        defer { close(ends[0]) }
        let result = try InteractionReader.read(path: "/dev/fd/\(ends[0])")
        expectSample(result)
    }

    @Test func aFIFOIsReadOnceAWriterComes() throws {
        let fixtures = try Fixtures()
        let path = fixtures.folder.appendingPathComponent("events.csv").path
        #expect(mkfifo(path, 0o600) == 0)
        let thread = Thread {
            usleep(50_000)
            let descriptor = open(path, O_WRONLY)
            let text = Array(Self.csv.utf8)
            _ = text.withUnsafeBytes { write(descriptor, $0.baseAddress!, $0.count) }
            close(descriptor)
        }
        thread.start()
        expectSample(try InteractionReader.read(path: path))
    }
}
