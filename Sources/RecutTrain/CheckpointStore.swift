import Foundation
import RecutData

/// Where a run stands, saved with its last checkpoint so that training can resume exactly.
///
/// The numbers go to `trainer_state.json`; `tensors` (optimizer moments and the like, named by
/// the trainer) go to `trainer_state.safetensors`.
public struct TrainerState: Codable, Sendable, Equatable {
    /// Epochs completed.
    public var epoch: Int
    /// Batches of epoch `epoch` already trained (0 at an epoch boundary): where a mid-epoch
    /// checkpoint resumes.
    public var batchInEpoch: Int
    /// Sum of the batch losses of those batches, so that the epoch's mean loss survives a resume.
    public var epochLossSum: Double
    /// Of those batches, the steps skipped for a non-finite loss or gradient (`on-nonfinite =
    /// skip-step`), so that the epoch's mean loss leaves them out after a resume too.
    public var skippedStepsInEpoch = 0
    /// Optimizer steps taken (drives the learning-rate schedule).
    public var step: Int
    /// Best validation metric so far; nil before the first evaluation.
    public var bestMetric: Double?
    /// Epoch (0-based) that reached `bestMetric`.
    public var bestEpoch: Int
    /// Epochs since the last improvement, for early stopping.
    public var badEpochs: Int
    /// The run's seed; generators for epoch e are derived from (seed, e) so a resumed run
    /// draws what the uninterrupted run would have drawn.
    public var seed: Int
    /// Any generator states the trainer wants back, by name.
    public var randomStates: [String: UInt64]
    /// Optimizer and other trainer tensors, by name.
    public var tensors: [NamedTensor]

    /// Groups the resume state.
    public init(
        epoch: Int, batchInEpoch: Int = 0, epochLossSum: Double = 0, step: Int, bestMetric: Double?, bestEpoch: Int,
        badEpochs: Int, seed: Int, randomStates: [String: UInt64] = [:], tensors: [NamedTensor] = []
    ) {
        self.epoch = epoch
        self.batchInEpoch = batchInEpoch
        self.epochLossSum = epochLossSum
        self.step = step
        self.bestMetric = bestMetric
        self.bestEpoch = bestEpoch
        self.badEpochs = badEpochs
        self.seed = seed
        self.randomStates = randomStates
        self.tensors = tensors
    }

    /// `tensors` is left out: it is stored as safetensors, not JSON.
    enum CodingKeys: String, CodingKey {
        case epoch, step, seed
        case batchInEpoch = "batch_in_epoch"
        case epochLossSum = "epoch_loss_sum"
        case bestMetric = "best_metric"
        case bestEpoch = "best_epoch"
        case badEpochs = "bad_epochs"
        case randomStates = "random_states"
        case skippedStepsInEpoch = "skipped_steps_in_epoch"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            epoch: try container.decode(Int.self, forKey: .epoch),
            batchInEpoch: try container.decodeIfPresent(Int.self, forKey: .batchInEpoch) ?? 0,
            epochLossSum: try container.decodeIfPresent(Double.self, forKey: .epochLossSum) ?? 0,
            step: try container.decode(Int.self, forKey: .step),
            bestMetric: try container.decodeIfPresent(Double.self, forKey: .bestMetric),
            bestEpoch: try container.decode(Int.self, forKey: .bestEpoch),
            badEpochs: try container.decode(Int.self, forKey: .badEpochs),
            seed: try container.decode(Int.self, forKey: .seed),
            randomStates: try container.decode([String: UInt64].self, forKey: .randomStates))
        skippedStepsInEpoch = try container.decodeIfPresent(Int.self, forKey: .skippedStepsInEpoch) ?? 0
    }
}

/// The sizes of the model a checkpoint holds, stored in `config.json` beside the settings so
/// that a reader can rebuild the model without the data.
public struct ModelShape: Codable, Sendable, Equatable {
    /// Rows of the item table: the catalog plus the padding row 0.
    public var itemRows: Int
    /// Embedding and hidden size.
    public var dimension: Int
    /// Transformer blocks.
    public var blocks: Int
    /// Attention heads per block.
    public var heads: Int
    /// Positions of the position table.
    public var maxLength: Int

    /// The shape `config` gives a model over `itemRows` item rows.
    public init(config: TrainingConfig, itemRows: Int) {
        self.itemRows = itemRows
        self.dimension = config.dimension
        self.blocks = config.blocks
        self.heads = config.heads
        self.maxLength = config.resolvedMaxLength
    }

    enum CodingKeys: String, CodingKey {
        case blocks, heads
        case itemRows = "item_rows"
        case dimension = "dim"
        case maxLength = "max_length"
    }
}

/// Everything one checkpoint folder holds.
public struct Checkpoint: Sendable, Equatable {
    /// Model weights by name (`model.safetensors`).
    public var tensors: [NamedTensor]
    /// The run's settings.
    public var config: TrainingConfig
    /// The model's sizes.
    public var model: ModelShape
    /// External item id of each row of the item table; row 0 is padding.
    public var items: [String]
    /// Resume state, present in `last/`, absent in a weights-only checkpoint.
    public var state: TrainerState?
    /// The data trained on; nil in checkpoints that predate the record.
    public var data: DataRecord?
}

/// The checkpoints of one run, under `directory`:
///
/// ```
/// directory/last/   the end of the latest epoch, with trainer state: resume from here
/// directory/best/   the epoch with the best validation metric: evaluate and serve this
///     model.safetensors          weights by name (Python: safetensors.numpy.load_file)
///     config.json                {"model": ModelShape, "training": TrainingConfig, "data": DataRecord}
///     items.tsv                  line r = external id of item-table row r (line 0: padding)
///     trainer_state.safetensors  optimizer tensors (only when saved with a state)
///     trainer_state.json         TrainerState numbers (only when saved with a state)
///     manifest.json              written last: the checkpoint is complete iff it matches
/// directory/last.new/, last.old/, best.new/, best.old/   only during a save or after a crash
/// directory/.lock       the run's lock (`lockRun`), held while a run writes the folder
/// ```
///
/// Saves are crash-safe (see `CrashSafeFolder`): a save writes `last.new/` beside `last/` and
/// swaps the names, so whenever the process or the machine dies, `load` still finds a complete
/// checkpoint: the new one if its manifest was written, else the previous one.
public struct CheckpointStore: Sendable {
    /// The two checkpoints a run keeps.
    public enum Slot: String, Sendable, CaseIterable {
        case last, best
    }

    /// File names inside a checkpoint folder.
    public enum FileName {
        public static let model = "model.safetensors"
        public static let config = "config.json"
        public static let items = "items.tsv"
        public static let trainerTensors = "trainer_state.safetensors"
        public static let trainerState = "trainer_state.json"
    }

    /// The run's output folder.
    public let directory: String

    /// A store rooted at `directory` (created on the first save).
    public init(directory: String) { self.directory = directory }

    /// The folder of one slot.
    public func folder(_ slot: Slot) -> String { directory + "/" + slot.rawValue }

    /// Saves a checkpoint into one slot.
    public func save(
        _ slot: Slot, tensors: [NamedTensor], config: TrainingConfig, items: [String], state: TrainerState?,
        data: DataRecord? = nil
    ) throws(TrainError) {
        try Self.save(to: folder(slot), tensors: tensors, config: config, items: items, state: state, data: data)
    }

    /// Loads the checkpoint of one slot.
    public func load(_ slot: Slot) throws(TrainError) -> Checkpoint { try Self.load(from: folder(slot)) }

    /// Name of the run's lock file inside `directory` (see `lockRun`).
    public static let lockName = ".lock"
    /// Files and folders of the run itself, besides the checkpoint folders: what `removeRun`
    /// removes (the TensorBoard folder too, so that a replaced run's curves do not mix in).
    public static let runFiles = ["metrics.jsonl", "results.json", "tb"]

    /// Takes the run folder's lock (`directory` must exist): one run at a time writes it.
    public func lockRun() throws(TrainError) -> RunLock {
        try RunLock(file: directory + "/" + Self.lockName, directory: directory)
    }

    /// The names in `directory`, sorted; empty when it does not exist.
    public func contents() throws(TrainError) -> [String] {
        guard AtomicFile.isDirectory(directory) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw .unreadable(file: directory, reason: "cannot list the run folder: \(error.localizedDescription)")
        }
    }

    /// Removes the run's checkpoints (with any leftovers of a save), metrics log and results,
    /// leaving other files; for a new run that replaces it.
    public func removeRun() throws(TrainError) {
        let names = Slot.allCases.flatMap { CrashSafeFolder.candidates(folder($0)) } + Self.runFiles.map { directory + "/" + $0 }
        for path in names where FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw .writeFailed(file: path, reason: "cannot remove the previous run's file: \(error.localizedDescription)")
            }
        }
    }

    /// Saves a checkpoint into `folder`, replacing what was there once the new one is complete.
    public static func save(
        to folder: String, tensors: [NamedTensor], config: TrainingConfig, items: [String], state: TrainerState?,
        data: DataRecord? = nil
    ) throws(TrainError) {
        try save(to: folder, tensors: tensors, config: config, items: items, state: state, data: data, afterEachStep: {})
    }

    /// `save(to:tensors:config:items:state:)`, calling `afterEachStep` after every durable step
    /// of the save: tests throw from it to stop the save there, as a crash would.
    static func save(
        to folder: String, tensors: [NamedTensor], config: TrainingConfig, items: [String], state: TrainerState?,
        data: DataRecord? = nil, afterEachStep: () throws(TrainError) -> Void
    ) throws(TrainError) {
        if let bad = items.first(where: { $0.contains { "\t\n\r".contains($0) } }) {
            throw .writeFailed(file: folder + "/" + FileName.items, reason: "item id \(bad.debugDescription) holds a tab or line break")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var files = [
            FileName.model: SafeTensors(tensors: tensors, metadata: ["producer": "recut"]).encoded(),
            FileName.config: try! encoder.encode(ConfigFile(model: ModelShape(config: config, itemRows: items.count),
                                                            training: config, data: data)),
            FileName.items: Data(items.map { $0 + "\n" }.joined().utf8),
        ]
        if let state {
            files[FileName.trainerTensors] = SafeTensors(tensors: state.tensors).encoded()
            files[FileName.trainerState] = try! encoder.encode(state)
        }
        try CrashSafeFolder.replace(folder, with: files, afterEachStep: afterEachStep)
    }

    /// Loads and checks the newest complete checkpoint saved into `folder` (which may sit in
    /// `folder.new` or `folder.old` after an interrupted save).
    public static func load(from folder: String) throws(TrainError) -> Checkpoint {
        let (files, folder) = try CrashSafeFolder.read(folder)
        func file(_ name: String) throws(TrainError) -> Data {
            guard let data = files[name] else {
                throw .incompleteCheckpoint(directory: folder, reason: "the manifest does not list \(name)")
            }
            return data
        }
        func decode<Value: Decodable>(_ type: Value.Type, _ name: String) throws(TrainError) -> Value {
            do {
                return try JSONDecoder().decode(type, from: try file(name))
            } catch let error as TrainError {
                throw error
            } catch {
                throw .corrupt(file: folder + "/" + name, reason: "\(error)")
            }
        }
        let model = try SafeTensors(decoding: try file(FileName.model), file: folder + "/" + FileName.model)
        let configuration = try decode(ConfigFile.self, FileName.config)
        var items = String(decoding: try file(FileName.items), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if items.last == "" { items.removeLast() }
        guard items.count == configuration.model.itemRows else {
            throw .corrupt(file: folder + "/" + FileName.items,
                           reason: "\(items.count) rows but config.json says item_rows = \(configuration.model.itemRows)")
        }
        var state: TrainerState?
        if files[FileName.trainerState] != nil {
            state = try decode(TrainerState.self, FileName.trainerState)
            state!.tensors = try SafeTensors(
                decoding: try file(FileName.trainerTensors), file: folder + "/" + FileName.trainerTensors).tensors
        }
        return Checkpoint(tensors: model.tensors, config: configuration.training, model: configuration.model, items: items,
                          state: state, data: configuration.data)
    }
}

/// The JSON of `config.json`.
private struct ConfigFile: Codable {
    var model: ModelShape
    var training: TrainingConfig
    var data: DataRecord?
}
