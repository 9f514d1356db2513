import ArgumentParser
import Foundation
import RecutCPU
import RecutCUDA

/// `recut selftest`: every backend op against the CPU float64 reference on fresh random inputs.
struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check every op of a device against the CPU float64 reference.",
        discussion: """
            Outputs are poisoned with NaN before each op; the error is max|out - ref| / max|ref|. \
            Exits non-zero when any op fails its threshold (float32: 1e-5).
            """)

    @Option(help: "The device to check (cuda or cpu); default: cuda when the driver loads, else cpu.")
    var device: DeviceChoice?

    @Option(help: "The seed of the random inputs; default: a fresh one, printed so a failure can be rerun.")
    var seed: UInt64?

    func run() throws {
        let backend = try DeviceChoice.makeBackend(device)
        let seed = seed ?? UInt64.random(in: 0...UInt64.max)
        if let cuda = backend as? CUDABackend {
            let start = Date()
            try cuda.loadAllKernels()
            print("device: \(cuda.driver.deviceName), sm_\(cuda.driver.architecture), "
                  + "driver \(cuda.driver.driverVersion); kernels ready in "
                  + String(format: "%.2f s", Date().timeIntervalSince(start))
                  + " (\(cuda.kernelCache.compilations) compiled, cache \(cuda.kernelCache.directory.path))")
        } else {
            print("device: \(backend.name)")
        }
        print("seed: \(seed)")
        print("CPU matrix products (the reference's): \(CPUBackend.matrixProducts)")
        let results = BackendSelftest(subject: backend, reference: CPUBackend(), seed: seed).run()
        print(BackendSelftest.table(results))
        let failures = results.filter { !$0.passed }
        if let cuda = backend as? CUDABackend {
            let statistics = cuda.allocator.statistics
            print("allocator: \(statistics.rawAllocations) cuMemAlloc calls, \(statistics.reuses) reuses, "
                  + "\(statistics.bytesCached) bytes cached")
        }
        print(failures.isEmpty ? "all \(results.count) checks passed"
                               : "\(failures.count) of \(results.count) checks FAILED")
        if !failures.isEmpty { throw ExitCode.failure }
    }
}
