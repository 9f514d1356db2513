import Foundation
import RecutData
import Testing
@testable import RecutTrain

@Suite struct CheckpointFolderTests {
    @Test func folderIsCompleteOnlyWithAMatchingManifest() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let folder = directory.path + "/checkpoint"
        let files = ["a.bin": Data([1, 2, 3]), "b.json": Data("{}".utf8)]
        try CheckpointFolder.write(files, to: folder)
        #expect(directory.contents("checkpoint") == ["a.bin", "b.json", "manifest.json"])
        #expect(try CheckpointFolder.read(from: folder) == files)

        try AtomicFile.write(Data([9, 9, 9]), to: folder + "/a.bin")
        #expect(throws: TrainError.incompleteCheckpoint(
            directory: folder, reason: "a.bin does not match the manifest (size or checksum)")) {
            try CheckpointFolder.read(from: folder)
        }
        try FileManager.default.removeItem(atPath: folder + "/b.json")
        #expect(!CheckpointFolder.isComplete(folder))

        try FileManager.default.removeItem(atPath: folder + "/manifest.json")
        #expect(throws: TrainError.incompleteCheckpoint(directory: folder, reason: "manifest.json is missing")) {
            try CheckpointFolder.read(from: folder)
        }
    }

    @Test func checksumIsFNV1a() {
        #expect(CheckpointFolder.checksum(Data()) == "cbf29ce484222325")
        #expect(CheckpointFolder.checksum(Data("a".utf8)) == "af63dc4c8601ec8c")
    }
}
