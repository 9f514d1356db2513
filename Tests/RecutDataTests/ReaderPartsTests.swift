import Foundation
import Testing
@testable import RecutData

@Suite struct ReaderPartsTests {
    private func number(_ text: String) -> Double? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBufferPointer { Field($0).decimalNumber() }
    }

    @Test func decimalNumbersMatchTheStandardLibrary() {
        for text in ["0", "-0", "881250949", "881250949.0", "1.5e9", "1.5E+9", "+2", "0.1", "-3.25", ".5", "5.",
                     "1e-7", "123456789012345678901234", "0.000000000000000000000000001", "9007199254740993",
                     "1.7976931348623157e308", "4.9e-324"] {
            #expect(number(text) == Double(text), "\(text)")
        }
        var generator = SplitMix64(seed: 1)
        for _ in 0..<2000 {
            let value = Double(bitPattern: generator.next() >> 2) * (generator.nextUnit() < 0.5 ? 1 : -1)
            let text = "\(value)"
            #expect(number(text) == value, "\(text)")
        }
    }

    @Test func nonNumbersAreRejected() {
        for text in ["", "-", ".", "e5", "1e", "1e+", "abc", "1.2.3", "12x", "inf", "nan", "1e999", " 1", "0x10"] {
            #expect(number(text) == nil, "\(text)")
        }
    }

    @Test func internerKeepsExactTokensApart() {
        var interner = IDInterner()
        var indices: [Int32] = []
        for token in ["7", "007", "x", "7", "12345678901234567890", "x", "007", "0", "4194304", "4194304", "5000000"] {
            var bytes = Array(token.utf8)
            indices.append(bytes.withUnsafeMutableBufferPointer { interner.index(ofText: Field($0)) })
        }
        #expect(indices == [0, 1, 2, 0, 3, 2, 1, 4, 5, 5, 6])
        #expect(interner.names == ["7", "007", "x", "12345678901234567890", "0", "4194304", "5000000"])
    }

    @Test func internerGrowsPastItsFirstTables() {
        var interner = IDInterner()
        for _ in 0..<2 {
            var indices: [Int32] = []
            for id in 0..<5000 {
                let text = switch id % 3 {
                case 0: "\(id * 997)"
                case 1: "t\(id)"
                default: "\(IDInterner.smallIntegerLimit + UInt64(id) * 7919)"
                }
                var bytes = Array(text.utf8)
                indices.append(bytes.withUnsafeMutableBufferPointer { interner.index(ofText: Field($0)) })
            }
            #expect(indices == (0..<5000).map(Int32.init))
        }
        #expect(interner.names.count == 5000)
    }

    @Test func chunksHoldWholeLinesAcrossBoundaries() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recut-chunks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = (0..<300).map { String(repeating: "x", count: 1 + $0 % 23) }.joined(separator: "\n")
        let url = folder.appendingPathComponent("lines.txt")
        try Data(text.utf8).write(to: url)
        let file = try InputFile(path: url.path)
        for chunkSize in [4, 7, 64, 1 << 20] {
            var seen: [UInt8] = []
            try file.forEachChunkOfLines(in: 0..<file.size, chunkSize: chunkSize) { chunk in
                #expect(chunk.last == ASCII.newline)
                seen.append(contentsOf: chunk)
            }
            #expect(String(decoding: seen, as: UTF8.self) == text + "\n", "chunk size \(chunkSize)")
        }
    }
}
