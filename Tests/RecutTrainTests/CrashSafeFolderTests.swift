import Foundation
import RecutData
import Testing
@testable import RecutTrain

/// Saves stopped after every possible step, as a kill there would stop them: reading must then
/// give a complete checkpoint, and the newest one that any folder holds complete.
@Suite struct CrashSafeFolderTests {
    static let crash = TrainError.writeFailed(file: "simulated crash", reason: "the process died here")

    /// Three successive checkpoints of one slot, told apart by their content.
    static let versions: [[String: Data]] = ["A", "B", "C"].map { name in
        ["model.safetensors": Data("\(name) weights".utf8), "trainer_state.json": Data("{\"\(name)\": 1}".utf8)]
    }

    /// Runs a save of `files` into `folder`, stopping it after `steps` durable steps (nil: never).
    /// Returns whether it was stopped, false when the save has fewer steps.
    static func save(_ files: [String: Data], to folder: String, stoppingAfter steps: Int?) throws -> Bool {
        var done = 0
        do {
            try CrashSafeFolder.replace(folder, with: files) { () throws(TrainError) in
                done += 1
                if done == steps { throw crash }
            }
            return false
        } catch {
            guard error == crash else { throw error }
            return true
        }
    }

    /// The newest of `versions` that some candidate folder of `folder` holds complete.
    static func newestSaved(_ folder: String, among versions: [[String: Data]]) -> [String: Data]? {
        versions.last { version in
            CrashSafeFolder.candidates(folder).contains { (try? CheckpointFolder.read(from: $0)) == version }
        }
    }

    /// Names in `directory` besides `slot` itself: leftovers of an interrupted save.
    static func leftovers(_ directory: TemporaryDirectory, slot: String = "last") -> [String] {
        directory.contents().filter { $0 != slot }
    }

    @Test func everyCrashPointOfASaveReadsTheNewestCompleteCheckpoint() throws {
        let (old, new) = (Self.versions[0], Self.versions[1])
        var readsOfEachPoint: [[String: Data]] = []
        for steps in 1... {
            let directory = TemporaryDirectory()
            defer { directory.remove() }
            let folder = directory.path + "/last"
            _ = try Self.save(old, to: folder, stoppingAfter: nil)
            let stopped = try Self.save(new, to: folder, stoppingAfter: steps)
            let read = try CrashSafeFolder.read(folder).files
            #expect(read == Self.newestSaved(folder, among: [old, new]), "stopped after \(steps) steps")
            readsOfEachPoint.append(read)
            guard stopped else {
                #expect(Self.leftovers(directory) == [])
                break
            }
            // The next save settles the leftovers and succeeds.
            _ = try Self.save(Self.versions[2], to: folder, stoppingAfter: nil)
            #expect(try CrashSafeFolder.read(folder).files == Self.versions[2])
            #expect(Self.leftovers(directory) == [])
        }
        // mkdir, 2 files, the manifest (the commit), 2 renames, removal of the old folder, done.
        #expect(readsOfEachPoint == [old, old, old, new, new, new, new, new])
    }

    @Test func aCrashDuringTheFirstSaveLeavesNothingOrTheNewCheckpoint() throws {
        let files = Self.versions[0]
        for steps in 1... {
            let directory = TemporaryDirectory()
            defer { directory.remove() }
            let folder = directory.path + "/best"
            let stopped = try Self.save(files, to: folder, stoppingAfter: steps)
            if steps <= 3 {
                #expect(throws: TrainError.unreadable(file: folder, reason: "no such checkpoint folder")) {
                    try CrashSafeFolder.read(folder)
                }
            } else {
                #expect(try CrashSafeFolder.read(folder).files == files)
            }
            guard stopped else { break }
        }
    }

    @Test func aCrashWhileSettlingAnInterruptedSaveLosesNothing() throws {
        var pairs = 0
        for first in 1... {
            var firstStopped = false
            for second in 1... {
                let directory = TemporaryDirectory()
                defer { directory.remove() }
                let folder = directory.path + "/last"
                _ = try Self.save(Self.versions[0], to: folder, stoppingAfter: nil)
                firstStopped = try Self.save(Self.versions[1], to: folder, stoppingAfter: first)
                let secondStopped = try Self.save(Self.versions[2], to: folder, stoppingAfter: second)
                let context = Comment(rawValue: "stopped after \(first), then after \(second) steps")
                #expect(try CrashSafeFolder.read(folder).files == Self.newestSaved(folder, among: Self.versions), context)
                pairs += 1
                guard secondStopped else { break }
                _ = try Self.save(Self.versions[0], to: folder, stoppingAfter: nil)
                #expect(try CrashSafeFolder.read(folder).files == Self.versions[0], context)
                #expect(Self.leftovers(directory) == [], context)
            }
            guard firstStopped else { break }
        }
        #expect(pairs > 40)
    }

    @Test func readingFallsBackFromNewToCurrentToOld() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path + "/best/"
        let base = directory.path + "/best"
        for (version, suffix) in zip(Self.versions, [CrashSafeFolder.oldSuffix, "", CrashSafeFolder.newSuffix]) {
            try CheckpointFolder.write(version, to: base + suffix)
        }
        #expect(CrashSafeFolder.candidates(folder) == [base + ".new", base, base + ".old"])
        #expect(try CrashSafeFolder.read(folder) == (Self.versions[2], base + ".new"))
        try FileManager.default.removeItem(atPath: base + ".new/" + CheckpointFolder.manifestName)
        #expect(try CrashSafeFolder.read(folder) == (Self.versions[1], base))
        try FileManager.default.removeItem(atPath: base + "/trainer_state.json")
        #expect(try CrashSafeFolder.read(folder) == (Self.versions[0], base + ".old"))
        try FileManager.default.removeItem(atPath: base + ".old/model.safetensors")
        #expect(throws: TrainError.incompleteCheckpoint(directory: base, reason: "trainer_state.json is missing")) {
            try CrashSafeFolder.read(folder)
        }
    }

    @Test func settlingKeepsOnlyTheNewestCompleteFolder() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path + "/last"
        try CheckpointFolder.write(Self.versions[0], to: folder + CrashSafeFolder.oldSuffix)
        try CheckpointFolder.write(Self.versions[1], to: folder + CrashSafeFolder.newSuffix)
        try FileManager.default.removeItem(atPath: folder + ".new/" + CheckpointFolder.manifestName)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        try CrashSafeFolder.settle(folder, afterEachStep: {})
        #expect(directory.contents() == ["last"])
        #expect(try CrashSafeFolder.read(folder) == (Self.versions[0], folder))
    }

    // Item 9 of issue 12: a reader racing repeated saves must always get a complete checkpoint.
    @Test(.timeLimit(.minutes(1))) func readersRacingRepeatedSavesAlwaysGetACompleteCheckpoint() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path + "/last"
        // Files large enough that a read takes about as long as a step of a save, as real weights do.
        let versions = Self.versions.enumerated().map { index, files in
            files.merging(["items.tsv": Data(repeating: UInt8(index), count: 200_000)]) { $1 }
        }
        _ = try Self.save(versions[0], to: folder, stoppingAfter: nil)
        let saves = 100
        let done = DispatchSemaphore(value: 0)
        Thread {
            for index in 1...saves { _ = try? Self.save(versions[index % 3], to: folder, stoppingAfter: nil) }
            done.signal()
        }.start()
        var reads = 0, failures: [String] = []
        while done.wait(timeout: .now()) == .timedOut {
            do {
                let files = try CrashSafeFolder.read(folder).files
                if !versions.contains(files) { failures.append("a read gave \(files.keys.sorted())") }
            } catch {
                failures.append("\(error)")
            }
            reads += 1
        }
        #expect(failures.count == 0, "\(failures.count) of \(reads) reads failed, the first: \(failures.first ?? "")")
        #expect(reads > 10)
        #expect(try CrashSafeFolder.read(folder).files == versions[saves % 3])
    }

    @Test func aSaveKeepsFilesThatAreNotTheCheckpoints() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path + "/best"
        // The old checkpoint has a file the new one lacks: that one goes, the user's files stay.
        _ = try Self.save(Self.versions[0].merging(["items.tsv": Data("a\n".utf8)]) { $1 }, to: folder, stoppingAfter: nil)
        _ = FileManager.default.createFile(atPath: folder + "/notes.txt", contents: Data("mine".utf8))
        try FileManager.default.createDirectory(atPath: folder + "/plots", withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: folder + "/plots/loss.svg", contents: Data("<svg/>".utf8))
        _ = try Self.save(Self.versions[1], to: folder, stoppingAfter: nil)
        _ = try Self.save(Self.versions[2], to: folder, stoppingAfter: nil)
        #expect(try CrashSafeFolder.read(folder).files == Self.versions[2])
        #expect(directory.contents("best") == ["manifest.json", "model.safetensors", "notes.txt", "plots", "trainer_state.json"])
        #expect(FileManager.default.contents(atPath: folder + "/notes.txt") == Data("mine".utf8))
        #expect(FileManager.default.contents(atPath: folder + "/plots/loss.svg") == Data("<svg/>".utf8))
        #expect(Self.leftovers(directory, slot: "best") == [])
    }
}
