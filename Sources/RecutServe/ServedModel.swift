import Foundation
import RecutCore
import RecutData
import RecutTrain

/// A checkpoint ready to answer: the model on its backend, the external ids of its items and,
/// when the checkpoint's data can be read, every user's history.
///
/// Built in two steps so that a reload does its slow reading beside the serving model:
/// `Source.read` loads the files and the data on any thread, `init(source:...)` builds the
/// model on the backend, on the batcher's thread. The ranking buffers are used only there.
public final class ServedModel: @unchecked Sendable {
    /// What a checkpoint folder holds, read and checked, before anything touches a device.
    public struct Source: Sendable {
        /// The checkpoint folder read.
        public var folder: String
        /// Its contents.
        public var checkpoint: Checkpoint
        /// Users' item histories (internal ids, oldest first), by external user id; nil when the
        /// data could not be loaded.
        public var histories: [String: [Int32]]?
        /// Why `histories` is nil.
        public var historiesUnavailable: String?

        /// Reads the checkpoint in `folder` and, for user ids, the data recorded in it (checked
        /// against the checkpoint's items). A checkpoint that does not load throws; data that
        /// does not load leaves user ids unavailable, said in `historiesUnavailable`.
        public static func read(_ folder: String, log: (String) -> Void = { _ in }) throws -> Source {
            let checkpoint = try CheckpointStore.load(from: folder)
            var source = Source(folder: folder, checkpoint: checkpoint)
            do {
                let loaded = try DatasetLoader.load(checkpoint.config, log: log)
                if loaded.dataset.items.names != checkpoint.items {
                    source.historiesUnavailable = "the data's items differ from the checkpoint's; has the data changed?"
                } else {
                    var histories = [String: [Int32]](minimumCapacity: loaded.dataset.userCount)
                    for (user, name) in loaded.dataset.users.names.enumerated() {
                        histories[name] = Array(loaded.dataset.sequences[user])
                    }
                    source.histories = histories
                }
            } catch {
                source.historiesUnavailable = "the checkpoint's data could not be loaded: \(error)"
            }
            if let reason = source.historiesUnavailable { log("serve: user ids unavailable: \(reason)") }
            return source
        }

        init(folder: String, checkpoint: Checkpoint) {
            self.folder = folder
            self.checkpoint = checkpoint
        }
    }

    /// Settings, sizes and data of this model, for `GET /model`.
    public let info: ModelInfo
    /// The checkpoint's external item ids by item-table row (row 0: padding).
    public let itemNames: [String]
    private let itemIDs: [String: Int32]
    private let histories: [String: [Int32]]?
    private let ranking: ModelRanking

    /// The model of `source` on `backend`, ranking up to `maximumBatch` requests per pass;
    /// `generation` numbers the loads of a server.
    public init(source: Source, backend: any Backend, maximumBatch: Int, generation: Int) throws {
        let checkpoint = source.checkpoint
        let model = try checkpoint.makeModel(backend: backend, folder: source.folder, maximumBatch: maximumBatch)
        ranking = ModelRanking(model: model)
        itemNames = checkpoint.items
        itemIDs = Dictionary(checkpoint.items.enumerated().dropFirst().map { ($1, Int32($0)) },
                             uniquingKeysWith: { first, _ in first })
        histories = source.histories
        info = ModelInfo(checkpoint: source.folder, generation: generation, catalogSize: checkpoint.model.itemRows - 1,
                         users: source.histories?.count, usersUnavailable: source.historiesUnavailable,
                         model: checkpoint.model, training: checkpoint.config, data: checkpoint.data,
                         device: backend.name, maximumK: CatalogRanking.maximumTopCount, maximumBatch: maximumBatch)
    }

    /// Loads since the server started (see `ModelInfo.generation`).
    public var generation: Int { info.generation }

    /// The ranking query of `request` in internal ids; throws a 404 `ServeError` naming unknown
    /// user or item ids (up to 10 of them).
    public func query(for request: RecommendRequest) throws(ServeError) -> ModelRanking.Query {
        let items: [Int32]
        switch request.input {
        case .user(let user):
            guard let histories else {
                throw .notFound("user ids cannot be used with this model: \(info.usersUnavailable ?? "no data"); send \"items\"")
            }
            guard let history = histories[user] else { throw .notFound("unknown user id '\(user)'") }
            items = history
        case .items(let names):
            items = try ids(names, field: "items")
        }
        return ModelRanking.Query(items: items, excluded: try ids(request.excluded, field: "exclude"))
    }

    /// The recommendations of `queries` (at most `info.maximumBatch`), `count` items each, in one
    /// ranking pass; call on the batcher's thread only.
    func recommend(_ queries: [ModelRanking.Query], count: Int) -> [[(item: Int32, score: Float)]] {
        ranking.recommend(queries, count: count)
    }

    private func ids(_ names: [String], field: String) throws(ServeError) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(names.count)
        var unknown: [String] = []
        for name in names {
            if let id = itemIDs[name] { ids.append(id) } else { unknown.append(name) }
        }
        guard unknown.isEmpty else {
            let listed = unknown.prefix(10).map { "'\($0)'" }.joined(separator: ", ")
            throw .notFound("unknown item ids in \"\(field)\": \(listed)" + (unknown.count > 10 ? " and \(unknown.count - 10) more" : ""))
        }
        return ids
    }
}
