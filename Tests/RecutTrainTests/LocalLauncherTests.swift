import Foundation
import RecutTrain
import Testing

@Suite(.serialized) struct LocalLauncherTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: [(String, Bool)] = []
        func add(_ line: String, _ isError: Bool) { lock.withLock { stored.append((line, isError)) } }
        var all: [(String, Bool)] { lock.withLock { stored } }
    }

    @Test func everyRankGetsItsPositionAndTheCollectiveSettings() throws {
        let launcher = LocalLauncher(
            executable: "/bin/sh",
            arguments: ["-c", "echo \"$RANK $WORLD_SIZE $LOCAL_RANK $MASTER_ADDR $NCCL_NVLS_ENABLE $TORCH_SYMM_MEM_DISABLE_MULTICAST $NVSHMEM_DISABLE_NVLS\"; echo port $MASTER_PORT >&2"],
            processCount: 3)
        let lines = Lines()
        try launcher.run(output: lines.add)
        let output = lines.all
        for rank in 0..<3 {
            #expect(output.contains { $0.0 == "[rank \(rank)] \(rank) 3 \(rank) 127.0.0.1 0 1 1" && !$0.1 })
        }
        let ports = Set(output.filter(\.1).map(\.0).map { $0.split(separator: " ").last! })
        #expect(ports.count == 1 && output.filter(\.1).count == 3, "every rank gets the same port, on standard error")
    }

    @Test func aFailingRankStopsTheOthersAndFailsTheLaunch() throws {
        let launcher = LocalLauncher(
            executable: "/bin/sh", arguments: ["-c", "if [ \"$RANK\" = 1 ]; then echo bye; exit 3; fi; exec sleep 60"],
            processCount: 3)
        let start = Date()
        let lines = Lines()
        #expect(throws: DistributedError.childFailed(rank: 1, status: 3)) { try launcher.run(output: lines.add) }
        #expect(Date().timeIntervalSince(start) < 4, "the sleeping ranks must be stopped by SIGTERM, not waited for")
        #expect(lines.all.map(\.0) == ["[rank 1] bye"])
        #expect(DistributedError.childFailed(rank: 1, status: 3).description.contains("the other ranks were stopped"))
    }

    @Test func aProgramThatCannotStartIsNamed() {
        let launcher = LocalLauncher(executable: "/nonexistent/recut", arguments: [], processCount: 2)
        #expect {
            try launcher.run { _, _ in }
        } throws: { error in
            guard case .launchFailed(let rank, let detail) = error as? DistributedError else { return false }
            return rank == 0 && detail.contains("/nonexistent/recut")
        }
    }
}
