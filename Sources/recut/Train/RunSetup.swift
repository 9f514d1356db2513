import ArgumentParser
import Foundation
import RecutCPU
import RecutCore
import RecutData
import RecutTrain

/// What every model command needs from a configuration: the backend, the data and its split.
struct RunSetup {
    var backend: any LossBackend
    var loaded: LoadedDataset
    var split: DataSplit

    /// Picks the device, loads and splits the data of `config`, and says so on stderr.
    init(config: TrainingConfig) throws {
        backend = try Self.backend(for: config.device)
        loaded = try DatasetLoader.load(config, log: log)
        split = try RecutData.split(loaded.dataset, strategy: config.split)
        log("data: \(loaded.source): \(loaded.dataset.userCount) users, \(loaded.dataset.itemCount) items, "
            + "\(loaded.dataset.interactionCount) events; \(split.train.count) training sequences, "
            + "\(split.validation.count) validation and \(split.test.count) test cases")
    }

    /// The backend of a device setting; only the CPU exists in this build.
    static func backend(for device: TrainingConfig.Device) throws -> any LossBackend {
        switch device {
        case .auto, .cpu:
            return CPUBackend()
        case .cuda:
            throw CommandFailure("--device cuda: the CUDA backend is not available in this build; use --device cpu (or auto)")
        }
    }
}
