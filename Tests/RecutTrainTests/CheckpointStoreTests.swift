import Foundation
import Testing
@testable import RecutTrain

@Suite struct CheckpointStoreTests {
    static let weights = [
        NamedTensor(name: "item_embedding", shape: [4, 2], values: [Float](arrayLiteral: 0, 0, 1, 2, 3, 4, 5, 6)),
        NamedTensor(name: "position_embedding", shape: [3, 2], values: [Float](repeating: 0.5, count: 6)),
    ]
    static let items = ["", "movie 1", "m2", "ünïcode"]
    static let state = TrainerState(
        epoch: 7, step: 700, bestMetric: 0.0625, bestEpoch: 5, badEpochs: 2, seed: 42,
        randomStates: ["shuffle": UInt64.max, "negatives": 3],
        tensors: [NamedTensor(name: "adam.m.item_embedding", shape: [4, 2], values: [Float](repeating: -1, count: 8)),
                  NamedTensor(name: "adam.step", shape: [], values: .int64([700]))])

    static func sorted(_ tensors: [NamedTensor]) -> [NamedTensor] { tensors.sorted { $0.name < $1.name } }

    @Test func roundTripWithResumeState() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = TrainingConfig()
        config.dimension = 2
        config.maxLength = 3
        config.data = "ml-100k.inter"
        let store = CheckpointStore(directory: directory.path + "/run")
        try store.save(.last, tensors: Self.weights, config: config, items: Self.items, state: Self.state)
        #expect(directory.contents("run/last") == [
            "config.json", "items.tsv", "manifest.json", "model.safetensors", "trainer_state.json", "trainer_state.safetensors",
        ])
        let loaded = try store.load(.last)
        #expect(Self.sorted(loaded.tensors) == Self.sorted(Self.weights))
        #expect(loaded.config == config)
        #expect(loaded.model == ModelShape(config: config, itemRows: 4))
        #expect(loaded.items == Self.items)
        var expectedState = Self.state
        expectedState.tensors = Self.sorted(expectedState.tensors)
        var loadedState = try #require(loaded.state)
        loadedState.tensors = Self.sorted(loadedState.tensors)
        #expect(loadedState == expectedState)
        let itemsText = String(decoding: FileManager.default.contents(atPath: store.folder(.last) + "/items.tsv")!, as: UTF8.self)
        #expect(itemsText == "\nmovie 1\nm2\nünïcode\n")
    }

    @Test func weightsOnlySaveDropsAnOldState() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = CheckpointStore(directory: directory.path)
        try store.save(.best, tensors: Self.weights, config: TrainingConfig(), items: Self.items, state: Self.state)
        try store.save(.best, tensors: Self.weights, config: TrainingConfig(), items: Self.items, state: nil)
        #expect(directory.contents("best") == ["config.json", "items.tsv", "manifest.json", "model.safetensors"])
        #expect(try store.load(.best).state == nil)
    }

    @Test func missingManifestMeansIncomplete() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = CheckpointStore(directory: directory.path)
        try store.save(.last, tensors: Self.weights, config: TrainingConfig(), items: Self.items, state: nil)
        try FileManager.default.removeItem(atPath: store.folder(.last) + "/manifest.json")
        #expect(throws: TrainError.incompleteCheckpoint(directory: store.folder(.last), reason: "manifest.json is missing")) {
            try store.load(.last)
        }
        #expect(throws: TrainError.unreadable(file: store.folder(.best), reason: "no such checkpoint folder")) {
            try store.load(.best)
        }
    }

    @Test func aSaveStoppedAtAnyStepLoadsTheOldOrTheNewCheckpoint() throws {
        let newWeights = Self.weights.map {
            NamedTensor(name: $0.name, shape: $0.shape, values: [Float](repeating: 9, count: $0.values.count))
        }
        var newState = Self.state
        newState.step += 1
        for slot in CheckpointStore.Slot.allCases {
            let state = slot == .last ? Self.state : nil, nextState = slot == .last ? newState : nil
            var loadedNew: [Bool] = []
            for steps in 1... {
                let directory = TemporaryDirectory()
                defer { directory.remove() }
                let store = CheckpointStore(directory: directory.path)
                try store.save(slot, tensors: Self.weights, config: TrainingConfig(), items: Self.items, state: state)
                var done = 0, stopped = false
                do {
                    try CheckpointStore.save(
                        to: store.folder(slot), tensors: newWeights, config: TrainingConfig(), items: Self.items,
                        state: nextState) { () throws(TrainError) in
                        done += 1
                        if done == steps { throw .writeFailed(file: "simulated crash", reason: "") }
                    }
                } catch {
                    stopped = true
                }
                let loaded = try store.load(slot)
                let isNew = Self.sorted(loaded.tensors) == Self.sorted(newWeights)
                #expect(isNew || Self.sorted(loaded.tensors) == Self.sorted(Self.weights))
                #expect(loaded.state?.step == (isNew ? nextState : state)?.step)
                loadedNew.append(isNew)
                if !stopped { break }
            }
            // Old after the mkdir and each file; new from the manifest on (then 2 renames, a removal, done).
            let files = slot == .last ? 5 : 3
            #expect(loadedNew == Array(repeating: false, count: files + 1) + Array(repeating: true, count: 5), "\(slot)")
        }
    }

    @Test func itemIdsWithTabsAreRefused() {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: TrainError.self) {
            try CheckpointStore.save(to: directory.path + "/x", tensors: [], config: TrainingConfig(), items: ["", "a\tb"], state: nil)
        }
    }

    @Test func pythonReadsTheModelFile() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try CheckpointStore.save(to: directory.path, tensors: Self.weights, config: TrainingConfig(), items: Self.items, state: nil)
        let printed = try PythonPackages.run("""
            import sys
            from safetensors.numpy import load_file
            t = load_file(sys.argv[1])
            print(sorted((k, v.shape) for k, v in t.items()), float(t["item_embedding"].sum()))
            """, [directory.path + "/model.safetensors"])
        #expect(printed == "[('item_embedding', (4, 2)), ('position_embedding', (3, 2))] 21.0\n")
    }
}
