import Foundation
import RecutTestSupport
import Testing
@testable import RecutData

/// Mutates bytes the way broken files are broken: flipped and inserted bytes (separators,
/// quotes, line breaks, compression magic), lost and repeated spans, truncation, spliced lines.
struct ByteMutator {
    var random: SplitMix64
    static let interesting: [[UInt8]] = [
        [0x09], [0x0A], [0x0D], [0x2C], [0x22], [0x3A, 0x3A], [0x20], [0x00], [0x7F], [0xFF], [0xEF, 0xBB, 0xBF],
        [0x1F, 0x8B], [0x28, 0xB5, 0x2F, 0xFD], Array("-".utf8), Array("1e300".utf8), Array("9223372036854775808".utf8),
        Array("2024-02-30T25:61".utf8), Array(":token".utf8), Array("user".utf8), Array("item_id".utf8), Array("ts".utf8),
    ]

    mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...random.next(below: 4) {
            let position = bytes.isEmpty ? 0 : random.next(below: bytes.count + 1)
            switch random.next(below: 8) {
            case 0 where !bytes.isEmpty:
                bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: random.next())
            case 1:
                bytes.insert(contentsOf: Self.interesting[random.next(below: Self.interesting.count)], at: position)
            case 2 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + random.next(below: 16))
                bytes.removeSubrange(min(position, end)..<end)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + 1 + random.next(below: 32))
                bytes.insert(contentsOf: bytes[min(position, end)..<end], at: random.next(below: bytes.count + 1))
            case 4:
                bytes.removeLast(bytes.count - position)
            case 5:
                let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
                guard lines.count > 1 else { continue }
                var shuffled = Array(lines)
                shuffled.swapAt(random.next(below: lines.count), random.next(below: lines.count))
                bytes = Array(shuffled.joined(separator: [0x0A]))
            case 6:
                bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
            default:
                bytes.insert(contentsOf: Array(String(random.next() >> UInt64(random.next(below: 64))).utf8), at: position)
            }
        }
        return bytes
    }
}

@Suite struct ReaderFuzzTests {
    static let seeds: [(name: String, text: String)] = [
        ("a.csv", "user_id,item_id,rating,timestamp\nalice,\"a,b\",4.5,100\nbob,42,3,2024-03-01\n\"say \"\"hi\"\"\",007,1,1.5e2\n"),
        ("b.tsv", "user\titem\tts\nu1\ti1\t1700000000000000001\nu2\ti2\t-5\n\nu1\ti2\t7\r\n"),
        ("c.inter", "user_id:token\titem_id:token\trating:float\ttimestamp:float\n1\t2\t3\t881250949\n2\t3\t4\t881250950\n"),
        ("ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978300760\n"),
        ("train.txt", "1 2\n1 3\n2 2\n"),
    ]

    /// What a read must end in: a log whose columns agree, or an error that names the file
    /// (and, for a bad row, a line within the file).
    private func check(_ path: String, bytes: [UInt8], options: ReadOptions, seed: UInt64) {
        do {
            let log = try InteractionReader.read(path: path, options: options).log
            #expect(log.users.count == log.items.count && log.items.count == log.timestamps.count, "seed \(seed)")
            #expect(log.users.allSatisfy { $0 >= 0 && Int($0) < log.userNames.count }, "seed \(seed)")
            #expect(log.items.allSatisfy { $0 >= 0 && Int($0) < log.itemNames.count }, "seed \(seed)")
            let names = log.userNames + log.itemNames
            #expect(!names.contains { $0.isEmpty || $0.utf8.contains { $0 < 0x20 || $0 == 0x7F } }, "seed \(seed)")
        } catch let error as DataError {
            let text = error.description
            #expect(text.hasPrefix(path) || text.hasPrefix("invalid option: \(path)"), "seed \(seed): \(text)")
            if case .badRow(_, let line, _) = error {
                let lines = bytes.count { $0 == 0x0A } + 1
                #expect(line >= 1 && line <= lines, "seed \(seed): line \(line) of \(lines)")
            }
        } catch {
            Issue.record("seed \(seed): \(error) is not a DataError")
        }
    }

    @Test(.timeLimit(.minutes(FuzzBudget.timeLimitMinutes))) func mutatedFilesReadCleanlyOrFailNamingFileAndLine() throws {
        let seed = FuzzBudget.seed
        var mutator = ByteMutator(random: SplitMix64(seed: seed))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recut-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let deadline = Date().addingTimeInterval(FuzzBudget.seconds)
        var runs = 0
        while Date() < deadline {
            let (name, text) = Self.seeds[mutator.random.next(below: Self.seeds.count)]
            var bytes = Array(text.utf8)
            if mutator.random.next(below: 8) == 0 {
                bytes = (0..<mutator.random.next(below: 200)).map { _ in UInt8(truncatingIfNeeded: mutator.random.next()) }
            } else {
                for _ in 0...mutator.random.next(below: 3) { bytes = mutator.mutate(bytes) }
            }
            let path = folder.appendingPathComponent("\(runs)-\(name)").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            var options = ReadOptions(skipBadRows: mutator.random.next(below: 2) == 0)
            if mutator.random.next(below: 4) == 0 {
                options.format = InteractionFormat.allCases[mutator.random.next(below: InteractionFormat.allCases.count)]
            }
            if mutator.random.next(below: 6) == 0 {
                let columns = ["user=0,item=1", "user=1,item=0,timestamp=2", "user=uid,item=0", "rating=3,user=0,item=1,timestamp=2"]
                options.columns = try ColumnSelection(parsing: columns[mutator.random.next(below: columns.count)])
            }
            let start = Date()
            check(path, bytes: bytes, options: options, seed: seed)
            // A hang, not slowness: CI machines run other suites beside this one.
            #expect(Date().timeIntervalSince(start) < 10, "seed \(seed): reading \(bytes.count) bytes took over 10 seconds")
            try? FileManager.default.removeItem(atPath: path)
            runs += 1
        }
        #expect(runs > 0)
    }
}
