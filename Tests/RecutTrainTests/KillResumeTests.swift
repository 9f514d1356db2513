#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RecutData
import RecutTrain
import Testing

/// Kills the real `recut train` process with SIGKILL at seeded random moments, resumes it each
/// time, and checks that the run still ends with the checkpoints of an uninterrupted run.
@Suite struct KillResumeTests {
    /// A tiny synthetic run (13 steps an epoch) that saves `last/` after every step, so that
    /// many kills land in the middle of a save.
    static let training = [
        "train", "--synthetic-users", "200", "--synthetic-items", "80", "--max-length", "12", "--dim", "8",
        "--blocks", "1", "--batch", "16", "--epochs", "3", "--patience", "3", "--checkpoint-every", "1",
    ]
    static let kills = 5
    /// Optimizer steps of the whole run: 200 training sequences in batches of 16, 3 epochs.
    static let steps = 39
    static let seed: UInt64 = 20_251_125

    @Test(.timeLimit(.minutes(1))) func killedAndResumedRunEndsWithTheUninterruptedCheckpoints() throws {
        let recut = try Self.recutExecutable()
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let whole = directory.path + "/whole", killed = directory.path + "/killed"

        let start = Date()
        let uninterrupted = try Self.launch(recut, Self.training + ["--output", whole], log: directory.path + "/whole.log")
        uninterrupted.waitUntilExit()
        let duration = Date().timeIntervalSince(start)
        try #require(uninterrupted.terminationStatus == 0, "\(Self.text(directory.path + "/whole.log"))")
        #expect(try CheckpointStore(directory: whole).load(.last).state?.step == Self.steps)

        // Kill once the last checkpoint reaches a random step, a random time later (up to two
        // steps' worth): the moment lands anywhere in a step, a save or the start-up of a resume.
        var random = SplitMix64(seed: Self.seed)
        let targets = (0..<Self.kills).map { _ in 1 + random.next(below: Self.steps - 1) }.sorted()
        let stepSeconds = duration / Double(Self.steps)
        var process = try Self.launch(recut, Self.training + ["--output", killed], log: directory.path + "/run-0.log")
        for (round, target) in zip(1..., targets) {
            try Self.waitForCheckpoint(killed, step: target, of: process)
            let delay = random.nextUnit() * 2 * stepSeconds
            usleep(UInt32(delay * 1e6))
            let wasRunning = process.isRunning
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let step = try CheckpointStore(directory: killed).load(.last).state?.step ?? -1
            let leftovers = directory.contents("killed").filter { $0.hasSuffix(".new") || $0.hasSuffix(".old") }
            print("kill \(round) of \(Self.kills) (seed \(Self.seed)): \(Int(delay * 1000)) ms after step \(target), "
                + (wasRunning && process.terminationReason == .uncaughtSignal ? "killed" : "had already finished")
                + (leftovers.isEmpty ? "" : " mid-save (left \(leftovers.joined(separator: ", ")))")
                + "; resuming from step \(step)")
            process = try Self.launch(recut, ["train", "--resume", killed], log: directory.path + "/run-\(round).log")
        }
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(Self.text(directory.path + "/run-\(Self.kills).log"))")

        for (slot, file) in [("best", "model.safetensors"), ("last", "model.safetensors"),
                             ("last", "trainer_state.safetensors")] {
            let expected = try CrashSafeFolder.read(whole + "/" + slot).files[file]
            let (files, folder) = try CrashSafeFolder.read(killed + "/" + slot)
            #expect(files[file] != nil && files[file] == expected, "\(folder)/\(file) differs from the uninterrupted run's")
        }
    }

    /// The `recut` executable `swift test` builds beside the test bundle (it builds every
    /// product; `swift build --product recut` makes it when only the tests were built).
    static func recutExecutable() throws -> URL {
        let bundles = [Bundle.main.executablePath].compactMap { $0 }
            + Bundle.allBundles.map(\.bundlePath).filter { $0.hasSuffix(".xctest") }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folders = bundles.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            + [packageRoot.appendingPathComponent(".build/debug")]
        for folder in folders {
            let candidate = folder.appendingPathComponent("recut")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw TrainError.unreadable(
            file: folders.map { $0.path + "/recut" }.joined(separator: ", "),
            reason: "no recut executable beside the tests; build it with `swift build --product recut`")
    }

    /// Starts `executable` with `arguments`, its output going to the file `log`.
    static func launch(_ executable: URL, _ arguments: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// Waits until the last checkpoint of the run in `directory` is at `step` or later.
    static func waitForCheckpoint(_ directory: String, step: Int, of process: Process) throws {
        let deadline = Date().addingTimeInterval(30)
        while ((try? CheckpointStore(directory: directory).load(.last))?.state?.step ?? 0) < step {
            try #require(process.isRunning && Date() < deadline, "recut never saved step \(step) into \(directory)")
            usleep(2000)
        }
    }

    static func text(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }
}
