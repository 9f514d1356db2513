import Foundation
import RecutCPU
import RecutData
import RecutServe
import RecutTrain

/// A model trained once per test process, on the CPU, on 60 synthetic users over 40 items:
/// the checkpoint every serving test answers with.
enum TinyModel {
    /// The run's output folder (its `best/` is the checkpoint).
    static var run: String { trained.run }
    /// The checkpoint folder.
    static var folder: String { trained.run + "/best" }
    /// The data it was trained on.
    static var dataset: Dataset { trained.dataset }

    private static let trained: (run: String, dataset: Dataset) = {
        var config = TrainingConfig()
        config.syntheticUsers = 60
        config.syntheticItems = 40
        config.syntheticMeanLength = 12
        config.syntheticSeed = 1
        config.maxLength = 10
        config.dimension = 8
        config.blocks = 1
        config.batchSize = 16
        config.epochs = 2
        config.device = .cpu
        config.seed = 3
        let run = NSTemporaryDirectory() + "/recut-serve-tests-" + UUID().uuidString
        let dataset = try! DatasetLoader.load(config).dataset
        let trainer = try! Trainer(config: config, dataset: dataset, split: try! split(dataset, strategy: config.split),
                                   backend: CPUBackend(), store: CheckpointStore(directory: run))
        _ = try! trainer.run()
        return (run, dataset)
    }()

    /// A batcher and a model on the CPU, as `recut serve` builds them.
    static func serve(maximumBatch: Int = 8, window: Double = 0) async throws -> ModelHolder {
        let backend = CPUBackend()
        let batcher = RequestBatcher(maximumBatch: maximumBatch, window: window)
        let model = try await ModelHolder.load(try ServedModel.Source.read(folder), backend: backend, batcher: batcher)
        return ModelHolder(model: model, backend: backend, batcher: batcher)
    }

    /// The answer of `recut recommend` (`ModelRanking.recommend(after:count:)` on a model of
    /// batch 1) after `items`, in external ids.
    static func recommendCommandAnswer(after items: [String], count: Int) throws -> [RecommendResponse.Item] {
        let checkpoint = try CheckpointStore.load(from: folder)
        let model = try checkpoint.makeModel(backend: CPUBackend(), folder: folder, maximumBatch: 1)
        let ids = items.map { Int32(checkpoint.items.firstIndex(of: $0)!) }
        return ModelRanking(model: model).recommend(after: ids, count: count)
            .map { RecommendResponse.Item(item: checkpoint.items[Int($0.item)], score: $0.score) }
    }

    /// External ids of the items of user `index`'s history.
    static func history(ofUser index: Int) -> [String] {
        dataset.sequences[index].map { dataset.items.name(of: $0) }
    }
}

/// Scores of two answers agree to float32 rounding (batched products may round differently).
func sameAnswer(_ a: [RecommendResponse.Item], _ b: [RecommendResponse.Item]) -> Bool {
    a.map(\.item) == b.map(\.item) && zip(a, b).allSatisfy { abs($0.score - $1.score) <= 1e-4 * max(1, abs($1.score)) }
}
