import Foundation
import RecutCUDA
import RecutCore
import RecutTrain

/// Glue between the commands and data-parallel training: relaunching this program once per
/// GPU, and joining the other ranks (rendezvous, NCCL communicator, gradient synchronizer).
enum DataParallelLaunch {
    /// Runs this program `processCount` times with the same arguments less `removing` (the
    /// option that asked for the launch), each as one rank; fails if any rank fails.
    static func relaunch(processCount: Int, removing option: String) throws {
        let launcher = LocalLauncher(executable: executablePath(),
                                     arguments: arguments(CommandLine.arguments.dropFirst(), removing: option),
                                     processCount: processCount)
        log("starting \(processCount) ranks on this host")
        do {
            try launcher.run { line, isError in
                (isError ? FileHandle.standardError : FileHandle.standardOutput).write(Data((line + "\n").utf8))
            }
        } catch {
            throw CommandFailure(error.description)
        }
    }

    /// `arguments` without `option N` or `option=N`.
    static func arguments(_ arguments: ArraySlice<String>, removing option: String) -> [String] {
        var kept: [String] = []
        var skipNext = false
        for argument in arguments {
            if skipNext {
                skipNext = false
            } else if argument == option {
                skipNext = true
            } else if !argument.hasPrefix(option + "=") {
                kept.append(argument)
            }
        }
        return kept
    }

    /// The path of the running executable (argv[0] may be relative or a bare name).
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Joins the other ranks of `environment` on `backend`, which must be CUDA: rendezvous,
    /// NCCL unique id from rank 0, communicator, gradient synchronizer.
    static func parallelism(environment: DistributedEnvironment, backend: any LossBackend) throws -> DataParallelism {
        guard let cuda = backend as? CUDABackend else {
            throw CommandFailure("data-parallel training (WORLD_SIZE \(environment.worldSize)) needs the CUDA backend; "
                                 + "use --device cuda or auto on a machine with GPUs")
        }
        let rendezvous = try Rendezvous(environment: environment)
        let uniqueID = try rendezvous.broadcast(environment.isMain ? try NCCLCommunicator.makeUniqueID() : [])
        let communicator = try NCCLCommunicator(uniqueID: uniqueID, rank: environment.rank,
                                                rankCount: environment.worldSize, driver: cuda.driver)
        let synchronizer = GradientSynchronizer(communicator: communicator)
        return DataParallelism(
            rendezvous: rendezvous, averageGradients: { try synchronizer.averageGradients($0) },
            broadcastParameters: { try synchronizer.broadcastParameters($0) },
            verifiesWeights: ProcessInfo.processInfo.environment["RECUT_VERIFY_WEIGHTS"] == "1")
    }
}
