import Foundation

/// Keeps preprocessed datasets as binary files so that a rerun skips reading and preprocessing.
///
/// A cache file is named after the source file plus a hash of the source's absolute path, size,
/// modification time and the caller's fingerprint (read and preprocessing options), so it is
/// reused only while all of them are unchanged. Files that fail their checks are rebuilt.
public struct DatasetCache: Sendable {
    /// Folder for cache files; nil puts them in a `.recut-cache` folder beside each source.
    public var directory: String?

    /// Creates a cache in `directory`, or beside each source file when nil.
    public init(directory: String? = nil) {
        self.directory = directory
    }

    /// Returns the cached dataset for `source` and `fingerprint`, or builds and caches it.
    ///
    /// `reused` tells whether the cache file was read (true) or `build` ran (false).
    public func load(source: String, fingerprint: String, build: () throws -> Dataset) throws -> (
        dataset: Dataset, reused: Bool
    ) {
        let path = try cachePath(source: source, fingerprint: fingerprint)
        if let dataset = DatasetFile.read(from: path) { return (dataset, true) }
        let dataset = try build()
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw DataError.unwritable(
                file: folder, reason: "cannot create the cache folder (\(error.localizedDescription)); "
                    + "pass a cache directory you can write to")
        }
        removeAbandonedTemporaryFiles(of: path)
        try DatasetFile.write(dataset, to: path)
        return (dataset, false)
    }

    /// Where the cache of `source` under `fingerprint` lives; the name changes with the source.
    public func cachePath(source: String, fingerprint: String) throws -> String {
        let absolute = URL(fileURLWithPath: source).standardizedFileURL.path
        var status = stat()
        guard stat(absolute, &status) == 0 else {
            throw DataError.unreadable(file: source, reason: String(cString: strerror(errno)))
        }
        #if canImport(Darwin)
            let modified = status.st_mtimespec
        #else
            let modified = status.st_mtim
        #endif
        let key = "\(absolute)\u{0}\(status.st_size)\u{0}\(modified.tv_sec).\(modified.tv_nsec)\u{0}\(fingerprint)"
        let hash = String(StableHash.hash(key), radix: 16)
        let name = "\((absolute as NSString).lastPathComponent).\(String(repeating: "0", count: 16 - hash.count))\(hash).dataset"
        let folder = directory ?? "\((absolute as NSString).deletingLastPathComponent)/.recut-cache"
        return "\(folder)/\(name)"
    }

    /// Deletes temp files that runs killed while writing this cache file left behind.
    ///
    /// Only files of processes that no longer exist are removed, so a concurrent writer is safe.
    private func removeAbandonedTemporaryFiles(of path: String) {
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = DatasetFile.temporaryPrefix(for: (path as NSString).lastPathComponent)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let process = Int32(name.dropFirst(prefix.count).prefix { $0 != "." }) else { continue }
            if kill(process, 0) != 0 && errno == ESRCH { unlink("\(folder)/\(name)") }
        }
    }
}
