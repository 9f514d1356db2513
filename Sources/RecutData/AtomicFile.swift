#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Writes files so that a reader sees either the old content or the new one, never a torn mix,
/// even if the process or the machine dies mid-write.
///
/// The recipe: write a temporary file in the same directory, fsync it, rename it over the
/// target (atomic within one file system), then fsync the directory so the rename itself
/// survives a crash.
public enum AtomicFile {
    /// Replaces the file at `path` with `data` atomically and durably.
    public static func write(_ data: Data, to path: String) throws(DataError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        guard isDirectory(directory) else {
            throw .unwritable(file: path, reason: "the directory \(directory) does not exist")
        }
        // A unique name per writer, so two writers of the same target never share a temp file.
        let temporary = directory + "/." + url.lastPathComponent + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .unwritable(file: path, reason: "cannot create \(temporary): \(errnoText())")
        }
        var isOpen = true
        do throws(DataError) {
            try writeAll(data, to: descriptor, path: temporary)
            guard fsync(descriptor) == 0 else {
                throw .unwritable(file: temporary, reason: "fsync: \(errnoText())")
            }
            isOpen = false
            guard close(descriptor) == 0 else {
                throw .unwritable(file: temporary, reason: "close: \(errnoText())")
            }
            guard rename(temporary, path) == 0 else {
                throw .unwritable(file: path, reason: "rename from \(temporary): \(errnoText())")
            }
        } catch {
            if isOpen { close(descriptor) }
            unlink(temporary)
            throw error
        }
        try syncDirectory(directory)
    }

    /// Removes the file at `path` if it exists and makes the removal durable.
    public static func remove(_ path: String) throws(DataError) {
        guard unlink(path) == 0 else {
            if errno == ENOENT { return }
            throw .unwritable(file: path, reason: "cannot remove: \(errnoText())")
        }
        try syncDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Flushes a directory's entries (new names, renames, removals) to disk.
    public static func syncDirectory(_ directory: String) throws(DataError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .unwritable(file: directory, reason: "cannot open directory: \(errnoText())")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw .unwritable(file: directory, reason: "fsync directory: \(errnoText())")
        }
    }

    /// Whether `path` names an existing directory.
    public static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    private static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws(DataError) {
        let failure: String? = data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errnoText()
                }
                offset += written
            }
            return nil
        }
        if let failure { throw .unwritable(file: path, reason: "write: \(failure)") }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
private let systemWrite = Darwin.write
#endif
