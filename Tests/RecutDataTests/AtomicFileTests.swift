import Foundation
import Testing
@testable import RecutData

@Suite struct AtomicFileTests {
    @Test func replacesContentAndLeavesNoTemporaryFiles() throws {
        let directory = ScratchFolder()
        defer { directory.remove() }
        let path = directory.path + "/weights.bin"
        try AtomicFile.write(Data("old content".utf8), to: path)
        try AtomicFile.write(Data("new".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("new".utf8))
        #expect(directory.contents() == ["weights.bin"])
    }

    @Test func writesEmptyData() throws {
        let directory = ScratchFolder()
        defer { directory.remove() }
        try AtomicFile.write(Data(), to: directory.path + "/empty")
        #expect(FileManager.default.contents(atPath: directory.path + "/empty") == Data())
    }

    @Test func missingDirectoryIsAClearError() {
        let directory = ScratchFolder()
        defer { directory.remove() }
        let path = directory.path + "/absent/weights.bin"
        #expect(throws: DataError.unwritable(file: path, reason: "the directory \(directory.path)/absent does not exist")) {
            try AtomicFile.write(Data([1, 2, 3]), to: path)
        }
        #expect(directory.contents() == [])
    }

    @Test func renameOntoADirectoryFailsAndCleansUp() {
        let directory = ScratchFolder()
        defer { directory.remove() }
        let path = directory.path + "/taken"
        try! FileManager.default.createDirectory(atPath: path + "/inner", withIntermediateDirectories: true)
        #expect(throws: DataError.self) { try AtomicFile.write(Data([1]), to: path) }
        #expect(directory.contents() == ["taken"])
    }
}

/// A fresh empty folder under the system temp folder, removed by `remove()`.
private struct ScratchFolder {
    let path = NSTemporaryDirectory() + "/recut-atomic-tests-" + UUID().uuidString

    init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    /// Names of the entries inside, sorted.
    func contents() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
