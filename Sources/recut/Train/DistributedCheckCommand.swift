import ArgumentParser
import Foundation
import RecutData
import RecutTrain

/// `recut distributed-check` (hidden): the ranks meet, rank 0 hands out 128 random bytes as it
/// would the NCCL unique id, and each rank prints what it received; tests the launcher and the
/// rendezvous on machines without GPUs.
struct DistributedCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "distributed-check",
        abstract: "Check that the ranks of a data-parallel run can meet (no GPU needed).",
        shouldDisplay: false)

    @Option(help: "Start this many ranks on this host (as train --gpus does).")
    var processes = 1

    @Option(help: "Make this rank exit with status 1 after the exchange (to test the launcher's cleanup).")
    var failRank: Int?

    @Option(help: "Seconds to wait for the other ranks.")
    var timeout = 60.0

    func run() throws {
        let environment = try DistributedEnvironment()
        if processes > 1 && !environment.isDistributed {
            try DataParallelLaunch.relaunch(processCount: processes, removing: "--processes")
            return
        }
        let rendezvous = try Rendezvous(environment: environment, timeout: timeout)
        var generator = SplitMix64(seed: UInt64(UInt32(truncatingIfNeeded: Int(Date().timeIntervalSince1970 * 1e6))))
        let blob = try rendezvous.broadcast((0..<128).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        try rendezvous.barrier()
        let digest = blob.reduce(UInt64(0xCBF2_9CE4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
        print("rank \(environment.rank) of \(environment.worldSize) received \(blob.count) bytes, digest \(String(digest, radix: 16))")
        if failRank == environment.rank { throw ExitCode.failure }
        try rendezvous.barrier()
    }
}
