import Foundation
import Testing
@testable import RecutData

@Suite final class DatasetCacheTests {
    /// A fresh folder holding a small source file.
    private let folder: String
    private let source: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("recut-cache-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        source = "\(folder)/events.tsv"
        try "u\ti\n".write(toFile: source, atomically: false, encoding: .utf8)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    private static let dataset: Dataset = {
        var sequences = Sequences()
        sequences.append(items: [1, 2, 1] as [Int32], timestamps: [1, 2, 3])
        sequences.append(items: [] as [Int32], timestamps: [] as [Timestamp])
        sequences.append(items: [3] as [Int32], timestamps: [-4])
        return Dataset(
            sequences: sequences, users: IDMap(names: ["alice", "bob", "ünïcode 用户"]),
            items: IDMap(names: ["", "x", "tab\tname", "🎬"]))
    }()

    /// Loads through `cache`, counting how often the dataset is built.
    private func load(_ cache: DatasetCache, fingerprint: String = "f", builds: inout Int) throws -> (Dataset, Bool) {
        let result = try cache.load(source: source, fingerprint: fingerprint) {
            builds += 1
            return Self.dataset
        }
        return (result.dataset, result.reused)
    }

    private func cacheFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
    }

    @Test func roundTripsADataset() throws {
        let path = "\(folder)/round-trip.dataset"
        try DatasetFile.write(Self.dataset, to: path)
        #expect(DatasetFile.read(from: path) == Self.dataset)
    }

    @Test func reusesTheCacheWhileNothingChanges() throws {
        let cache = DatasetCache(directory: nil)
        var builds = 0
        let first = try load(cache, builds: &builds)
        let second = try load(cache, builds: &builds)
        #expect(!first.1 && second.1 && builds == 1)
        #expect(second.0 == Self.dataset)
        let files = try cacheFiles(in: "\(folder)/.recut-cache")
        #expect(files.count == 1 && files[0].hasPrefix("events.tsv.") && files[0].hasSuffix(".dataset"))
    }

    @Test func rebuildsWhenTheSourceOrFingerprintChanges() throws {
        let cache = DatasetCache(directory: "\(folder)/cache")
        var builds = 0
        _ = try load(cache, builds: &builds)
        #expect(try !load(cache, fingerprint: "other", builds: &builds).1)
        #expect(try load(cache, builds: &builds).1)

        try "u\ti\nmore\n".write(toFile: source, atomically: false, encoding: .utf8)
        #expect(try !load(cache, builds: &builds).1)
        #expect(try load(cache, builds: &builds).1)

        let later = Date().addingTimeInterval(60)
        try FileManager.default.setAttributes([.modificationDate: later], ofItemAtPath: source)
        #expect(try !load(cache, builds: &builds).1)
        #expect(try load(cache, builds: &builds).1)
        #expect(builds == 4)
    }

    @Test(arguments: ["truncated", "payload byte", "magic", "version", "empty"])
    func rebuildsADamagedCacheFile(damage: String) throws {
        let cache = DatasetCache(directory: nil)
        var builds = 0
        _ = try load(cache, builds: &builds)
        let path = try cache.cachePath(source: source, fingerprint: "f")
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        switch damage {
        case "truncated": bytes.removeLast(bytes.count / 3)
        case "payload byte": bytes[bytes.count - 20] ^= 0x40
        case "magic": bytes[0] = UInt8(ascii: "X")
        case "version": bytes[8] = 99
        default: bytes = []
        }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let rebuilt = try load(cache, builds: &builds)
        #expect(!rebuilt.1 && rebuilt.0 == Self.dataset && builds == 2)
        #expect(try load(cache, builds: &builds).1)
    }

    @Test func leavesNoTemporaryFilesAndCleansAbandonedOnes() throws {
        let directory = "\(folder)/cache"
        let cache = DatasetCache(directory: directory)
        var builds = 0
        let name = (try cache.cachePath(source: source, fingerprint: "f") as NSString).lastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Process ids never reach 999999999, so this is the temp file of a dead run.
        let abandoned = "\(directory)/.\(name).tmp.999999999.7"
        try "partial".write(toFile: abandoned, atomically: false, encoding: .utf8)
        _ = try load(cache, builds: &builds)
        _ = try load(cache, fingerprint: "g", builds: &builds)
        let files = try cacheFiles(in: directory)
        #expect(files.count == 2 && files.allSatisfy { $0.hasSuffix(".dataset") && !$0.hasPrefix(".") })
    }

    @Test func reportsAMissingSource() {
        #expect(throws: DataError.self) {
            try DatasetCache(directory: nil).load(source: "\(folder)/absent.tsv", fingerprint: "f") { Self.dataset }
        }
    }

    @Test func reportsAnUnwritableCacheFolder() throws {
        let blocker = "\(folder)/file"
        try "x".write(toFile: blocker, atomically: false, encoding: .utf8)
        #expect(throws: DataError.self) {
            try DatasetCache(directory: "\(blocker)/cache").load(source: source, fingerprint: "f") { Self.dataset }
        }
    }

    @Test func rebuildsWhenAnEditKeepsTheSizeAndTime() throws {
        let cache = DatasetCache(directory: "\(folder)/cache")
        var builds = 0
        var status = stat()
        #expect(stat(source, &status) == 0)
        _ = try load(cache, builds: &builds)
        try "v\tj\n".write(toFile: source, atomically: false, encoding: .utf8)
        // Put back the time to the nanosecond, as an editor or a copy tool may.
        #if canImport(Darwin)
            var times = [status.st_atimespec, status.st_mtimespec]
        #else
            var times = [status.st_atim, status.st_mtim]
        #endif
        #expect(utimensat(AT_FDCWD, source, &times, 0) == 0)
        #expect(try !load(cache, builds: &builds).1)
        #expect(builds == 2)
    }

    @Test func neverCachesAStream() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let result = try DatasetCache(directory: "\(folder)/cache").load(source: "/dev/fd/\(ends[0])", fingerprint: "f") {
            Self.dataset
        }
        #expect(!result.reused && result.path == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/cache"))
        // Standard input redirected from a file is a regular file, under a name that says nothing.
        let descriptor = open(source, O_RDONLY)
        defer { close(descriptor) }
        let redirected = try DatasetCache(directory: "\(folder)/cache").load(source: "/dev/fd/\(descriptor)", fingerprint: "f") {
            Self.dataset
        }
        #expect(!redirected.reused && redirected.path == nil)
    }

    @Test func refusesAnEmptyCacheDirectory() {
        #expect(throws: DataError.invalidOption("the cache directory is empty; name a folder, or turn the cache off (--no-cache)")) {
            try DatasetCache(directory: "").load(source: self.source, fingerprint: "f") { Self.dataset }
        }
    }

    @Test func anUnwritableCacheFolderIsReportedBeforeBuildingWithAHint() throws {
        let blocker = "\(folder)/file"
        try "x".write(toFile: blocker, atomically: false, encoding: .utf8)
        var builds = 0
        do {
            _ = try DatasetCache(directory: "\(blocker)/cache").load(source: source, fingerprint: "f") {
                builds += 1
                return Self.dataset
            }
            Issue.record("an unwritable cache folder was accepted")
        } catch let error as DataError {
            #expect(error.description.contains("--no-cache"))
            #expect(!error.description.contains("NSCocoaErrorDomain"))
        }
        #expect(builds == 0)
    }
}
