import ArgumentParser
import Foundation
import RecutTrain

/// `recut recommend`: the top items a checkpoint predicts for a known user or a list of items.
struct RecommendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommend",
        abstract: "Recommend the next items for a user of the training data or for a sequence of items.",
        discussion: "Ids are the external ids of the data file. Items of the input are never recommended.")

    @Option(help: "A run's output folder (its best/ checkpoint is used) or a checkpoint folder.")
    var checkpoint: String

    @Option(help: "External user id: recommend after all of this user's events in the data.")
    var user: String?

    @Option(help: "External item ids, oldest first, separated by spaces or commas.")
    var items: String?

    @Option(name: .short, help: "How many items to recommend.")
    var k = 10

    @Option(help: "Device: auto, cpu or cuda (default: the checkpoint's setting).")
    var device: TrainingConfig.Device?

    @Flag(help: "Print JSON instead of lines.")
    var json = false

    func validate() throws {
        if (user == nil) == (items == nil) { throw ValidationError("give either --user ID or --items \"ID ID ...\"") }
        if k < 1 { throw ValidationError("-k must be at least 1") }
    }

    func run() throws {
        let folder = CheckpointPath.folder(checkpoint)
        let saved = try CheckpointStore.load(from: folder)
        let itemIDs = Dictionary(saved.items.enumerated().dropFirst().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        var history: [Int32]
        if let user {
            let loaded = try DatasetLoader.load(saved.config, log: log)
            guard loaded.dataset.items.names == saved.items else {
                throw CommandFailure("\(folder): the data's items differ from the checkpoint's; has the data changed?")
            }
            guard let index = loaded.dataset.users.id(of: user) else {
                throw CommandFailure("unknown user id '\(user)': no such user in \(loaded.source)")
            }
            history = Array(loaded.dataset.sequences[Int(index)])
        } else {
            let names = items!.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
            if names.isEmpty { throw CommandFailure("--items lists no item ids") }
            let unknown = names.filter { itemIDs[$0] == nil }
            if !unknown.isEmpty {
                throw CommandFailure("unknown item ids: \(unknown.prefix(10).joined(separator: ", ")) (not in the checkpoint's items.tsv)")
            }
            history = names.map { itemIDs[$0]! }
        }
        let model = try saved.makeModel(backend: try RunSetup.backend(for: device ?? saved.config.device), folder: folder, maximumBatch: 1)
        let recommended = ModelRanking(model: model).recommend(after: history, count: k)
        if json {
            let entries = recommended.map { Recommendation(item: saved.items[Int($0.item)], score: $0.score) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(entries), as: UTF8.self))
        } else {
            for (rank, entry) in recommended.enumerated() {
                print("\(rank + 1)\t\(saved.items[Int(entry.item)])\t" + String(format: "%.4f", entry.score))
            }
        }
    }
}

/// One line of `recut recommend --json`.
private struct Recommendation: Encodable {
    var item: String
    var score: Float
}
