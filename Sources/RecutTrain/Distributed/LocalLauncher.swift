import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts one process per GPU on this host, as torchrun does: the same program with RANK,
/// WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT set, output forwarded
/// line by line with a `[rank N]` prefix.
///
/// If one process fails the others are stopped (SIGTERM, then SIGKILL after `gracePeriod`),
/// since they would otherwise wait forever in their next collective.
public struct LocalLauncher: Sendable {
    /// The program every rank runs.
    public let executable: String
    /// Its arguments (the same for every rank).
    public let arguments: [String]
    /// The number of processes (ranks).
    public let processCount: Int
    /// The environment the ranks start from.
    public var environment: [String: String]
    /// Seconds a stopped rank has to exit after SIGTERM before it gets SIGKILL.
    public var gracePeriod: Double = 5

    /// Settings that keep NCCL and friends off NVLink multicast (NVLS), which the GPU hosts
    /// Recut runs on do not support.
    public static let collectiveSettings = [
        "NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1",
    ]

    /// A launcher of `processCount` copies of `executable arguments`.
    public init(executable: String, arguments: [String], processCount: Int,
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        precondition(processCount >= 1, "a launch needs at least one process")
        self.executable = executable
        self.arguments = arguments
        self.processCount = processCount
        self.environment = environment
    }

    /// The environment of rank `rank` when rank 0 listens on `port`.
    public func environment(rank: Int, port: UInt16) -> [String: String] {
        var variables = environment
        for (name, value) in Self.collectiveSettings { variables[name] = value }
        let position = try! DistributedEnvironment(rank: rank, worldSize: processCount, localRank: rank,
                                                   masterAddress: "127.0.0.1", masterPort: port)
        for (name, value) in position.variables { variables[name] = value }
        return variables
    }

    /// Runs every rank to the end; `output(line, isError)` gets each line of their standard
    /// output and error, prefixed. Throws `childFailed` for the first rank that failed.
    public func run(output: @escaping @Sendable (String, Bool) -> Void) throws(DistributedError) {
        let port = try Rendezvous.freePort()
        Self.unblockTerminationSignals()
        let exits = ExitLog(count: processCount)
        let streams = DispatchGroup()
        var processes: [Process] = []
        var pipes: [Pipe] = []
        for rank in 0..<processCount {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
            process.environment = environment(rank: rank, port: port)
            for isError in [false, true] {
                let pipe = Pipe()
                pipes.append(pipe)
                if isError { process.standardError = pipe } else { process.standardOutput = pipe }
                streams.enter()
                Self.forward(pipe, prefix: "[rank \(rank)] ", isError: isError, to: output) { streams.leave() }
            }
            process.terminationHandler = { process in exits.record(rank: rank, status: Self.exitStatus(of: process)) }
            do {
                try process.run()
                // The ranks hold the write ends; ours would keep the pipes from ever reaching end of file.
                for pipe in pipes.suffix(2) { try? pipe.fileHandleForWriting.close() }
            } catch {
                Self.stop(processes, exits: exits, gracePeriod: gracePeriod)
                for pipe in pipes { pipe.fileHandleForReading.readabilityHandler = nil }
                throw .launchFailed(rank: rank, detail: "\(executable): \(error.localizedDescription)")
            }
            processes.append(process)
        }
        let failure = exits.waitForAllOrFirstFailure()
        if failure != nil { Self.stop(processes, exits: exits, gracePeriod: gracePeriod) }
        for process in processes { process.waitUntilExit() }
        // A process started meanwhile elsewhere in this program may have inherited a pipe's
        // write end and keep it open; the ranks are gone, so their output has arrived by now.
        _ = streams.wait(timeout: .now() + .seconds(2))
        for pipe in pipes { pipe.fileHandleForReading.readabilityHandler = nil }
        if let failure { throw .childFailed(rank: failure.rank, status: failure.status) }
    }

    /// Children inherit the calling thread's signal mask; a thread that blocks SIGTERM (a
    /// dispatch worker, or a parent that did) would make them deaf to being stopped.
    private static func unblockTerminationSignals() {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    }

    /// The exit status, or 128 + signal for a process killed by a signal (as shells report it).
    private static func exitStatus(of process: Process) -> Int32 {
        process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// Sends SIGTERM to the running processes, then SIGKILL to those still running after `gracePeriod`.
    private static func stop(_ processes: [Process], exits: ExitLog, gracePeriod: Double) {
        for (rank, process) in processes.enumerated() where !exits.hasExited(rank) { kill(process.processIdentifier, SIGTERM) }
        let end = Date(timeIntervalSinceNow: gracePeriod)
        while processes.indices.contains(where: { !exits.hasExited($0) }) && Date() < end { usleep(20_000) }
        for (rank, process) in processes.enumerated() where !exits.hasExited(rank) { kill(process.processIdentifier, SIGKILL) }
    }

    /// Passes each complete line read from `pipe` to `output` with `prefix`; calls `done` at end of file.
    private static func forward(_ pipe: Pipe, prefix: String, isError: Bool,
                                to output: @escaping @Sendable (String, Bool) -> Void,
                                done: @escaping @Sendable () -> Void) {
        let pending = LineBuffer()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                if let rest = pending.finish() { output(prefix + rest, isError) }
                done()
                return
            }
            for line in pending.append(data) { output(prefix + line, isError) }
        }
    }
}

/// Bytes of one stream cut into lines; progress bars' carriage returns end a line too.
private final class LineBuffer: @unchecked Sendable {
    private var bytes: [UInt8] = []
    private let lock = NSLock()

    func append(_ data: Data) -> [String] {
        lock.withLock {
            bytes.append(contentsOf: data)
            var lines: [String] = []
            while let end = bytes.firstIndex(where: { $0 == 10 || $0 == 13 }) {
                lines.append(String(decoding: bytes[..<end], as: UTF8.self))
                bytes.removeSubrange(...end)
            }
            return lines.filter { !$0.isEmpty }
        }
    }

    func finish() -> String? {
        lock.withLock { bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
    }
}

/// The exit statuses of the ranks as they arrive; wakes the launcher at the first failure.
private final class ExitLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var remaining: Int
    private var exited: [Bool]
    private var failure: (rank: Int, status: Int32)?

    init(count: Int) {
        remaining = count
        exited = Array(repeating: false, count: count)
    }

    func hasExited(_ rank: Int) -> Bool { condition.withLock { exited[rank] } }

    func record(rank: Int, status: Int32) {
        condition.withLock {
            remaining -= 1
            exited[rank] = true
            if status != 0 && failure == nil { failure = (rank, status) }
            condition.broadcast()
        }
    }

    /// Blocks until every rank exited or one failed; returns the first failure.
    func waitForAllOrFirstFailure() -> (rank: Int, status: Int32)? {
        condition.withLock {
            while remaining > 0 && failure == nil { condition.wait() }
            return failure
        }
    }
}
