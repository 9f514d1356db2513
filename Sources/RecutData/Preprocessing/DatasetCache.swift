import Foundation

/// Keeps preprocessed datasets as binary files so that a rerun skips reading and preprocessing.
///
/// A cache file is named after the source file plus a hash of the source's absolute path, size,
/// modification time, content (a hash of every byte, so that an edit that keeps the size and
/// the time is seen) and the caller's fingerprint (read and preprocessing options), so it is
/// reused only while all of them are unchanged. Files that fail their checks are rebuilt.
/// Streams (pipes, FIFOs) and files named through `/dev` or `/proc` (`/dev/stdin`) are never
/// cached: the first can be read only once, the others name another file on each run.
public struct DatasetCache: Sendable {
    /// Folder for cache files; nil puts them in a `.recut-cache` folder beside each source.
    public var directory: String?

    /// Creates a cache in `directory`, or beside each source file when nil.
    public init(directory: String? = nil) {
        self.directory = directory
    }

    /// Returns the cached dataset for `source` and `fingerprint`, or builds and caches it.
    ///
    /// `reused` tells whether the cache file was read (true) or `build` ran (false); `path` is
    /// the cache file, nil for a stream, which is built without a cache. The cache folder is
    /// made before `build` runs, so that an unwritable one is reported before a long read.
    public func load(source: String, fingerprint: String, build: () throws -> Dataset) throws -> (
        dataset: Dataset, reused: Bool, path: String?
    ) {
        if directory == "" {
            throw DataError.invalidOption("the cache directory is empty; name a folder, or turn the cache off (--no-cache)")
        }
        var status = stat()
        let absolute = URL(fileURLWithPath: source).standardizedFileURL.path
        let isStream = stat(source, &status) == 0 && status.st_mode & S_IFMT != S_IFREG
        // `/dev/stdin` redirected from a file is a regular file, but names a different one each run.
        if isStream || absolute.hasPrefix("/dev/") || absolute.hasPrefix("/proc/") {
            return (try build(), false, nil)
        }
        let path = try cachePath(source: source, fingerprint: fingerprint)
        if let dataset = DatasetFile.read(from: path) { return (dataset, true, path) }
        let folder = (path as NSString).deletingLastPathComponent
        if let problem = Self.makeFolder(folder) {
            throw DataError.unwritable(file: folder, reason: "cannot create the cache folder (\(problem)); " + Self.hint)
        }
        guard access(folder, W_OK) == 0 else {
            throw DataError.unwritable(file: folder, reason: "the cache folder is not writable; " + Self.hint)
        }
        let dataset = try build()
        removeAbandonedTemporaryFiles(of: path)
        do {
            try DatasetFile.write(dataset, to: path)
        } catch DataError.unwritable(let file, let reason) {
            throw DataError.unwritable(file: file, reason: "\(reason); " + Self.hint)
        }
        return (dataset, false, path)
    }

    /// What to do about a cache that cannot be written.
    static let hint = "pass a cache directory you can write to (--cache-directory DIR), or run without the cache (--no-cache)"

    /// Makes `folder` and its missing parents (as `mkdir -p`); nil on success, else why not.
    private static func makeFolder(_ folder: String) -> String? {
        var status = stat()
        if stat(folder, &status) == 0 {
            return status.st_mode & S_IFMT == S_IFDIR ? nil : "\(folder) is not a folder"
        }
        let parent = (folder as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != folder, let problem = makeFolder(parent) { return problem }
        guard mkdir(folder, 0o777) == 0 || errno == EEXIST else {
            return "\(folder): \(String(cString: strerror(errno)))"
        }
        return nil
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
        let content = try StableHash.hash(contentsOf: absolute)
        let key = "\(absolute)\u{0}\(status.st_size)\u{0}\(modified.tv_sec).\(modified.tv_nsec)\u{0}\(content)\u{0}\(fingerprint)"
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
