import Foundation
import Testing
@testable import RecutData

@Suite struct TokenTableTests {
    /// The value of `text` in `table`, read from a copy of its bytes at `offset` in a fresh buffer.
    private func lookUp(_ text: String, in table: inout TokenTable, inserting value: Int32, offset: Int = 0)
        -> (value: Int32, inserted: Bool)
    {
        var bytes = [UInt8](repeating: 0xFF, count: offset) + Array(text.utf8) + [0xFF]
        return bytes.withUnsafeMutableBufferPointer { buffer in
            table.value(for: Field(rebasing: buffer[offset..<offset + text.utf8.count]), inserting: value)
        }
    }

    /// Tokens of every length up to 40 bytes, many differing only in their last or middle byte.
    private var tokens: [String] {
        var tokens: [String] = []
        for length in 1...40 {
            for variant in 0..<8 {
                var characters = Array(repeating: Character("a"), count: length)
                characters[length - 1] = Character(UnicodeScalar(UInt8(ascii: "a") + UInt8(variant)))
                if length > 2 && variant >= 4 { characters[length / 2] = "z" }
                tokens.append(String(characters))
            }
        }
        return Array(Set(tokens)).sorted()
    }

    @Test func keepsTokensOfEveryLengthApart() {
        for hashMask: UInt64 in [.max, 0] {
            var table = TokenTable(hashMask: hashMask)
            let tokens = tokens + ["", "a\u{0}", "a\u{0}\u{0}", "\u{0}a"]
            for (index, token) in tokens.enumerated() {
                #expect(lookUp(token, in: &table, inserting: Int32(index)) == (Int32(index), true), "\(token)")
            }
            for (index, token) in tokens.enumerated() {
                #expect(lookUp(token, in: &table, inserting: -5, offset: index % 9) == (Int32(index), false), "\(token)")
            }
            #expect(table.count == tokens.count)
        }
    }

    @Test func collidingHashesStillFindEveryToken() {
        // With every hash masked to 0, all tokens probe from the same slot and long ones share a hash.
        var table = TokenTable(hashMask: 0)
        let tokens = (0..<700).map { "token-with-a-long-common-prefix-\($0)" } + (0..<700).map { "s\($0)" }
        for (index, token) in tokens.enumerated() { _ = lookUp(token, in: &table, inserting: Int32(index)) }
        for (index, token) in tokens.enumerated().reversed() {
            #expect(lookUp(token, in: &table, inserting: -1, offset: 3) == (Int32(index), false))
        }
    }

    @Test func growsAndKeepsEveryValue() {
        var table = TokenTable()
        let count = 100_000
        for id in 0..<count {
            let token = id % 2 == 0 ? "u\(id)" : "a-rather-long-user-id-\(id)"
            #expect(lookUp(token, in: &table, inserting: Int32(id)).inserted)
        }
        for id in stride(from: 0, to: count, by: 7) {
            let token = id % 2 == 0 ? "u\(id)" : "a-rather-long-user-id-\(id)"
            #expect(lookUp(token, in: &table, inserting: -1, offset: id % 5) == (Int32(id), false))
        }
        #expect(table.count == count)
    }

    @Test func equalTokensInDifferentChunksGetOneIndex() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recut-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SplitMix64(seed: 3)
        let users = (0..<40).map { "user-\($0)-" + String(repeating: "x", count: $0 % 19) }
        let items = (0..<60).map { "i\($0 * 37)" + String(repeating: "y", count: $0 % 23) }
        let lines = (0..<2000).map { row in
            "\(users[Int(generator.next(below: 40))]),\(items[Int(generator.next(below: 60))]),\(row)"
        }
        let url = folder.appendingPathComponent("tokens.csv")
        try Data(("user_id,item_id,timestamp\n" + lines.joined(separator: "\n") + "\n").utf8).write(to: url)

        let file = try InputFile(path: url.path)
        let prologue = try FilePrologue(file: file, format: nil)
        let columns = try ResolvedColumns(selection: nil, format: prologue.format, header: prologue.header, file: url.path)
        var logs: [(users: [Int32], items: [Int32], userNames: [String], itemNames: [String])] = []
        for chunkSize in [1 << 20, 64, 23] {
            var parser = RowParser(format: prologue.format, columns: columns, skipBadRows: false, expectedRows: 16)
            try file.forEachChunkOfLines(in: prologue.dataOffset..<file.size, chunkSize: chunkSize) { lines in
                try parser.parse(lines: lines)
            }
            logs.append((parser.users, parser.items, parser.userIDs.names, parser.itemIDs.names))
        }
        let whole = logs[0]
        #expect(whole.users.count == 2000 && Set(whole.userNames) == Set(users) && Set(whole.itemNames) == Set(items))
        #expect(zip(whole.users, lines).allSatisfy { whole.userNames[Int($0)] == $1.split(separator: ",")[0] })
        for log in logs.dropFirst() {
            #expect(log.users == whole.users && log.items == whole.items)
            #expect(log.userNames == whole.userNames && log.itemNames == whole.itemNames)
        }
    }
}
