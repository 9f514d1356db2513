import Foundation
import RecutData

/// A folder of files saved together, complete if and only if its manifest exists and every
/// file it lists is present with the listed size and checksum.
///
/// Saving removes the old manifest first, writes each file atomically, then writes the
/// manifest last; so a save interrupted at any point leaves a folder that reads as incomplete
/// instead of a silent mix of old and new files. `CrashSafeFolder` builds on it to keep the
/// previous checkpoint readable until the new one is complete.
public enum CheckpointFolder {
    /// Name of the manifest file inside the folder.
    public static let manifestName = "manifest.json"

    /// Writes `files` (file name to content) into `directory`, creating it if needed.
    public static func write(_ files: [String: Data], to directory: String) throws(TrainError) {
        try write(files, to: directory, afterEachFile: {})
    }

    /// `write(_:to:)`, calling `afterEachFile` after every file written (the manifest included):
    /// tests throw from it to stop the save there, as a crash would.
    static func write(
        _ files: [String: Data], to directory: String, afterEachFile: () throws(TrainError) -> Void
    ) throws(TrainError) {
        for name in files.keys where name.isEmpty || name.contains("/") || name.hasPrefix(".") || name == manifestName {
            throw .writeFailed(file: directory + "/" + name, reason: "not a valid checkpoint file name")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(file: directory, reason: "cannot create the folder: \(error.localizedDescription)")
        }
        try reportingDataErrors { () throws(DataError) in try AtomicFile.remove(directory + "/" + manifestName) }
        var entries: [Manifest.Entry] = []
        for (name, data) in files.sorted(by: { $0.key < $1.key }) {
            try reportingDataErrors { () throws(DataError) in try AtomicFile.write(data, to: directory + "/" + name) }
            try afterEachFile()
            entries.append(Manifest.Entry(name: name, bytes: data.count, checksum: checksum(data)))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let manifest = try! encoder.encode(Manifest(files: entries))
        try reportingDataErrors { () throws(DataError) in try AtomicFile.write(manifest, to: directory + "/" + manifestName) }
        try afterEachFile()
    }

    /// Reads every file the manifest lists, checking sizes and checksums.
    public static func read(from directory: String) throws(TrainError) -> [String: Data] {
        let manifest = try readManifest(directory)
        var files: [String: Data] = [:]
        for entry in manifest.files {
            let path = directory + "/" + entry.name
            guard let data = FileManager.default.contents(atPath: path) else {
                throw .incompleteCheckpoint(directory: directory, reason: "\(entry.name) is missing")
            }
            guard data.count == entry.bytes, checksum(data) == entry.checksum else {
                throw .incompleteCheckpoint(
                    directory: directory, reason: "\(entry.name) does not match the manifest (size or checksum)")
            }
            files[entry.name] = data
        }
        return files
    }

    /// True when `read(from:)` would succeed.
    public static func isComplete(_ directory: String) -> Bool {
        (try? read(from: directory)) != nil
    }

    /// The file names `directory`'s manifest lists; empty when it has no readable manifest.
    static func listedFiles(_ directory: String) -> Set<String> {
        Set(((try? readManifest(directory))?.files ?? []).map(\.name))
    }

    private static func readManifest(_ directory: String) throws(TrainError) -> Manifest {
        guard AtomicFile.isDirectory(directory) else {
            throw .unreadable(file: directory, reason: "no such checkpoint folder")
        }
        guard let data = FileManager.default.contents(atPath: directory + "/" + manifestName) else {
            throw .incompleteCheckpoint(directory: directory, reason: "\(manifestName) is missing")
        }
        do {
            return try JSONDecoder().decode(Manifest.self, from: data)
        } catch {
            throw .incompleteCheckpoint(directory: directory, reason: "\(manifestName) is unreadable: \(error)")
        }
    }

    /// 64-bit FNV-1a: enough to catch a stale or torn file, cheap, and free of dependencies.
    static func checksum(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        data.withUnsafeBytes { bytes in
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The manifest's JSON: one entry per file.
private struct Manifest: Codable {
    struct Entry: Codable {
        var name: String
        var bytes: Int
        var checksum: String
    }
    var format = "recut-checkpoint-1"
    var files: [Entry]
}
