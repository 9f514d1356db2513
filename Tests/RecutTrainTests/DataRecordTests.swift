import Foundation
import RecutCPU
import RecutData
import Testing
@testable import RecutTrain

/// Checkpoints record the data they were trained on; resume and evaluate refuse other data.
@Suite struct DataRecordTests {
    /// 40 users with 10 events each over 30 items, as CSV rows; `swapped` exchanges the times
    /// of two events of the first user (same items, other order).
    private func csv(swapped: Bool) -> String {
        var rows = ["user_id,item_id,timestamp"]
        for user in 0..<40 {
            for event in 0..<10 {
                var time = event
                if swapped && user == 0 && (event == 3 || event == 4) { time = event == 3 ? 4 : 3 }
                rows.append("u\(user),i\((user * 7 + event * 3) % 30),\(time)")
            }
        }
        return rows.joined(separator: "\n") + "\n"
    }

    @Test func resumingOnChangedDataIsRefusedUnlessAllowed() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let file = DataRecord.absolutePath(directory.path + "/events.csv")!
        try csv(swapped: false).write(toFile: file, atomically: true, encoding: .utf8)
        var config = ResumeTests.config
        config.data = file
        config.epochs = 1
        config.checkpointEvery = nil
        config.cache = false
        let output = directory.path + "/run"
        let first = try ResumeTests.trainer(config, output: output)
        _ = try first.run()
        let saved = try CheckpointStore(directory: output).load(.last)
        #expect(saved.data?.path == file)
        #expect(saved.data?.fingerprint == (try DatasetLoader.load(config).dataset.fingerprint))

        try csv(swapped: true).write(toFile: file, atomically: true, encoding: .utf8)
        let changed = try DatasetLoader.load(saved.config).dataset
        let changedSplit = try split(changed, strategy: saved.config.split)
        #expect(throws: TrainError.self) {
            _ = try Trainer(resuming: saved, dataset: changed, split: changedSplit, backend: CPUBackend(),
                            store: CheckpointStore(directory: output))
        }
        do {
            _ = try Trainer(resuming: saved, dataset: changed, split: changedSplit, backend: CPUBackend(),
                            store: CheckpointStore(directory: output))
        } catch let error as TrainError {
            #expect(error.description.contains("was trained on other data") && error.description.contains(file))
        }
        _ = try Trainer(resuming: saved, dataset: changed, split: changedSplit, backend: CPUBackend(),
                        store: CheckpointStore(directory: output), allowDataChange: true)
    }

    @Test func relativePathsAreRecordedAbsolute() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(DataRecord.absolutePath("data/x.csv") == URL(fileURLWithPath: cwd + "/data/x.csv").standardizedFileURL.path)
        #expect(DataRecord.absolutePath("/a/../b.csv") == "/b.csv")
        #expect(DataRecord.absolutePath(nil) == nil)
    }

    /// `recut train` with a relative path, then `recut evaluate` from another folder.
    @Test func evaluateFindsTheDataFromAnotherFolder() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.path + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory.path + "/b", withIntermediateDirectories: true)
        try csv(swapped: false).write(toFile: directory.path + "/a/events.csv", atomically: true, encoding: .utf8)
        func recut(_ arguments: [String], in folder: String) throws -> (Int32, String) {
            let process = Process()
            process.executableURL = try KillResumeTests.recutExecutable()
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory.path + "/" + folder)
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, output)
        }
        let trained = try recut(["train", "events.csv", "--epochs", "1", "--max-length", "8", "--dim", "8",
                                 "--no-cache", "--output", "run", "--device", "cpu"], in: "a")
        #expect(trained.0 == 0, "\(trained.1)")
        let evaluated = try recut(["evaluate", "--checkpoint", "../a/run", "--device", "cpu"], in: "b")
        #expect(evaluated.0 == 0, "\(evaluated.1)")
        #expect(evaluated.1.contains(directory.path + "/a/events.csv") || evaluated.1.contains("/a/events.csv"))
    }
}
