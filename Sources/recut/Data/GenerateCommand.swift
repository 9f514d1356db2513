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

    @Flag(help: "Replace the --out file if it exists (by default an existing file is an error).")
    var overwrite = false

    func run() throws {
        if !overwrite && FileManager.default.fileExists(atPath: out) {
            throw DataError.unwritable(file: out, reason: "the file exists; pass --overwrite to replace it")
        }
        let config = try synthetic.config()
        try config.validate()
        let log = SyntheticGenerator.generate(config)
        try InteractionLogWriter.writeCSV(log, to: out, overwrite: overwrite)
        print("wrote \(out): \(log.count) events, \(log.userNames.count) users, \(log.itemNames.count) items")
    }
}
