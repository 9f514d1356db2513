import ArgumentParser
import RecutCore
import RecutCPU
import RecutCUDA

/// The `--device` option: which backend runs the work.
enum DeviceChoice: String, ExpressibleByArgument, CaseIterable {
    case cuda
    case cpu

    /// The backend for `choice`; with no choice, CUDA when the driver loads, else the CPU.
    ///
    /// Only a missing driver falls back to the CPU: a driver that loads but fails later is an
    /// error the user should see rather than a silent slowdown.
    static func makeBackend(_ choice: DeviceChoice?) throws -> any Backend {
        switch choice {
        case .cpu:
            return CPUBackend()
        case .cuda:
            return try CUDABackend()
        case nil:
            do {
                return try CUDABackend()
            } catch .noDriver {
                return CPUBackend()
            }
        }
    }
}
