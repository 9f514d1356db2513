import Foundation
import Testing

/// The real `recut` on values a user mistypes: a clear message and a non-zero exit, never a trap.
@Suite struct CommandLineValueTests {
    /// `recut train --epochs 1` into a fresh folder, with `arguments` added.
    private func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        return try recut(["train", "--epochs", "1", "--output", directory.path + "/run"] + arguments)
    }

    /// `recut` with `arguments`: its exit status and what it printed.
    private func recut(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = directory.path + "/log"
        let process = try KillResumeTests.launch(try KillResumeTests.recutExecutable(), arguments, log: log)
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    @Test func negativeNumbersAreRangeErrorsNotMissingValues() throws {
        for (flag, value) in [("--batch", "-1"), ("--negatives", "-5"), ("--lr", "-0.5")] {
            let (status, output) = try run([flag, value])
            #expect(status != 0)
            #expect(output.contains("setting '\(flag.dropFirst(2))' = '\(value)'"), "\(output)")
            #expect(!output.contains("Missing value"), "\(output)")
        }
    }

    /// The numbers of the serving, load-test and split options too (a leading minus once read as a missing value).
    @Test func negativeNumbersOfOtherCommandsAreRangeErrors() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let cases: [([String], String)] = [
            (["serve", "--checkpoint", directory.path, "--port", "-1"], "--port must be in 0...65535"),
            (["bench", "serve", "--checkpoint", directory.path, "--requests", "-5"], "must be positive"),
            (["data", "split", "--synthetic", "--split", "last-n", "--test-events", "-2", "--out", directory.path + "/s"],
             "setting 'test-events' = '-2'"),
            (["data", "split", "--synthetic", "--split", "temporal", "--cut-time", "-5", "--out", directory.path + "/s"],
             "no event at or before the cut time -5.0"),
        ]
        for (arguments, message) in cases {
            let (status, output) = try recut(arguments)
            #expect(status != 0 && output.contains(message), "\(arguments): \(output)")
            #expect(!output.contains("Missing value"), "\(output)")
        }
    }

    @Test func sizesThatCannotFitExitCleanly() throws {
        let (status, output) = try run(["--batch", "100000000"])
        #expect(status == 1, "\(output)")
        #expect(output.contains("the run needs at least"), "\(output)")
    }

    @Test func optionsTheDataSourceIgnoresAreRefused() throws {
        let synthetic = try run(["--columns", "user=0,item=1"])
        #expect(synthetic.status != 0 && synthetic.output.contains("--columns reads an interaction file"), "\(synthetic.output)")
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try "user_id,item_id,timestamp\nu1,i1,1\nu1,i2,2\nu1,i3,3\n".write(toFile: directory.path + "/d.csv", atomically: true,
                                                                          encoding: .utf8)
        let file = try run([directory.path + "/d.csv", "--synthetic-users", "5"])
        #expect(file.status != 0 && file.output.contains("--synthetic-users shapes the synthetic data"), "\(file.output)")
    }

    @Test func aConfigFolderIsNamedAsAFolder() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let (status, output) = try run(["--config", directory.path])
        #expect(status != 0 && output.contains("this is a folder"), "\(output)")
        #expect(!output.contains("NSCocoaErrorDomain"), "\(output)")
    }
}
