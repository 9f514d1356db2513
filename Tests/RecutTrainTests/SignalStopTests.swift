#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RecutData
import RecutTrain
import Testing

/// SIGINT and SIGTERM stop the real `recut train` process between two steps: it saves `last/`,
/// prints the command that resumes the run, and exits 128 + the signal.
@Suite struct SignalStopTests {
    /// `KillResumeTests.training` without per-step checkpoints and with enough epochs to be
    /// running when the signal comes: only the signal can save mid-epoch.
    static let training = [
        "train", "--synthetic-users", "200", "--synthetic-items", "80", "--max-length", "12", "--dim", "8",
        "--blocks", "1", "--batch", "16", "--epochs", "1000", "--patience", "1000",
    ]

    @Test(.timeLimit(.minutes(1)), arguments: [SIGINT, SIGTERM])
    func aSignalSavesLastAndPrintsTheResumeCommand(_ signal: Int32) throws {
        let recut = try KillResumeTests.recutExecutable()
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let output = directory.path + "/run", log = directory.path + "/train.log"
        let process = try KillResumeTests.launch(recut, Self.training + ["--output", output], log: log)
        // The first epoch's end saves last/; signal during the second.
        try KillResumeTests.waitForCheckpoint(output, step: 1, of: process)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        let text = KillResumeTests.text(log)
        #expect(process.terminationReason == .exit && process.terminationStatus == 128 + signal, "\(text)")
        #expect(text.contains("recut train --resume \(output)\n"), "\(text)")
        let step = try #require(try CheckpointStore(directory: output).load(.last).state?.step)
        #expect(text.contains("stopped by signal \(signal) after step \(step),"), "\(text)")
        // A resumed run starts where the signal stopped this one.
        let resumed = try KillResumeTests.launch(recut, ["train", "--resume", output], log: directory.path + "/resume.log")
        let deadline = Date().addingTimeInterval(30)
        while !KillResumeTests.text(directory.path + "/resume.log").contains("resuming") && Date() < deadline { usleep(2000) }
        kill(resumed.processIdentifier, SIGKILL)
        resumed.waitUntilExit()
        #expect(KillResumeTests.text(directory.path + "/resume.log").contains("step \(step)\n"))
    }
}
