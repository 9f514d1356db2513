import ArgumentParser
import Foundation
import RecutCPU
import RecutCUDA
import RecutCore
import RecutData
import RecutTrain

/// What every model command needs from a configuration: the backend, the data and its split.
struct RunSetup {
    var backend: any LossBackend
    var loaded: LoadedDataset
    var split: DataSplit

    /// Picks the device (GPU `deviceOrdinal` for CUDA), loads and splits the data of `config`, and says so on stderr.
    /// `recordedIn` names the checkpoint whose settings `config` is, so that a data file that
    /// cannot be read is reported with where its path came from.
    init(config: TrainingConfig, deviceOrdinal: Int = 0, recordedIn checkpoint: String? = nil) throws {
        backend = try Self.backend(for: config.device, ordinal: deviceOrdinal)
        do {
            loaded = try DatasetLoader.load(config, log: log)
        } catch {
            guard let checkpoint, let path = config.data else { throw error }
            throw CommandFailure("\(error)\n(the data path \(path) is the one recorded in \(checkpoint)/config.json)")
        }
        split = try RecutData.split(loaded.dataset, strategy: config.split, rules: config.splitRules)
        log("data: \(loaded.source): \(loaded.dataset.userCount) users, \(loaded.dataset.itemCount) items, "
            + "\(loaded.dataset.interactionCount) events; \(split.train.count) training sequences, "
            + "\(split.validation.count) validation and \(split.test.count) test cases")
    }

    /// The backend of a device setting: `cuda` needs a working GPU; `auto` takes CUDA when the
    /// driver loads and the CPU otherwise (a driver that loads but fails is reported, not skipped).
    static func backend(for device: TrainingConfig.Device, ordinal: Int = 0) throws -> any LossBackend {
        switch device {
        case .cpu:
            return try announce(CPUBackend())
        case .cuda:
            let cuda: CUDABackend
            do {
                cuda = try CUDABackend(ordinal: ordinal)
            } catch {
                throw CommandFailure("--device cuda: \(error)")
            }
            return try announce(cuda)
        case .auto:
            let cuda: CUDABackend
            do {
                cuda = try CUDABackend(ordinal: ordinal)
            } catch .noDriver {
                return try announce(CPUBackend())
            } catch {
                throw CommandFailure("--device auto: the CUDA driver loaded but the GPU is unusable: \(error); "
                                     + "use --device cpu")
            }
            return try announce(cuda)
        }
    }

    /// Logs which device computes the run and returns `backend`, its kernels compiled (or read
    /// from the kernel cache) before any work, so that no step or evaluation waits for a compiler.
    private static func announce(_ backend: any LossBackend) throws -> any LossBackend {
        if let cuda = backend as? CUDABackend {
            log("device: \(cuda.name) (\(cuda.driver.deviceName), sm_\(cuda.driver.architecture), "
                + "driver \(cuda.driver.driverVersion))")
            do {
                try cuda.loadAllKernels()
            } catch {
                throw CommandFailure("cannot compile the CUDA kernels: \(error)")
            }
        } else {
            log("device: \(backend.name) (\(CPUBackend.matrixProducts))")
        }
        return backend
    }
}