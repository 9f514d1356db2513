import ArgumentParser
import Foundation
import RecutData

/// `recut data generate`: the synthetic dataset as a CSV file, for benchmarks and other tools.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the synthetic dataset as a user_id,item_id,timestamp CSV file.")

    @OptionGroup var synthetic: SyntheticOptions

    @Option(help: "CSV file to write.")
    var out: String

    func run() throws {
        let config = try synthetic.config()
        try config.validate()
        let log = SyntheticGenerator.generate(config)
        try CSVWriter.write(log, to: out)
        print("wrote \(out): \(log.count) events, \(log.userNames.count) users, \(log.itemNames.count) items")
    }
}

/// Writes an interaction log as `user_id,item_id,timestamp` lines in large chunks.
enum CSVWriter {
    static func write(_ log: InteractionLog, to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw DataError.unwritable(file: path, reason: "cannot create the file") }
        defer { try? handle.close() }
        let userNames = log.userNames.map { Array($0.utf8) }
        let itemNames = log.itemNames.map { Array($0.utf8) }
        var chunk = [UInt8]()
        chunk.reserveCapacity(1 << 22)
        chunk.append(contentsOf: "user_id,item_id,timestamp\n".utf8)
        for event in 0..<log.count {
            chunk.append(contentsOf: userNames[Int(log.users[event])])
            chunk.append(UInt8(ascii: ","))
            chunk.append(contentsOf: itemNames[Int(log.items[event])])
            chunk.append(UInt8(ascii: ","))
            appendInteger(log.timestamps[event], to: &chunk)
            chunk.append(UInt8(ascii: "\n"))
            if chunk.count > (1 << 22) - 256 {
                try handle.write(contentsOf: chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
        try handle.write(contentsOf: chunk)
    }

    private static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }
}
