import ArgumentParser
import Foundation
import RecutData
import RecutTrain

/// `recut data stats`: the shape of a dataset after preprocessing.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print users, items, density, sequence lengths, time range, popularity concentration and repeats.")

    @OptionGroup var source: DataSourceOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let loaded = try DatasetLoader.load(try source.dataConfig(), log: log)
        let statistics = DatasetStatistics(dataset: loaded.dataset)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(statistics), as: UTF8.self))
        } else {
            print("source: \(loaded.source)")
            print(statistics.formatted())
        }
    }
}
