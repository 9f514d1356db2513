import Foundation

/// Writes `contents` to `path` so that readers see either the old file or the whole new one.
///
/// The text goes to a temporary file beside the target, is flushed to disk, then renamed over it.
func writeAtomically(_ contents: String, to path: String) throws {
    let temporary = "\(path).tmp-\(ProcessInfo.processInfo.processIdentifier)"
    do {
        try Data(contents.utf8).write(to: URL(fileURLWithPath: temporary))
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: temporary))
        try handle.synchronize()
        try handle.close()
    } catch {
        try? FileManager.default.removeItem(atPath: temporary)
        throw DataError.unwritable(file: path, reason: error.localizedDescription)
    }
    guard rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(atPath: temporary)
        throw DataError.unwritable(file: path, reason: reason)
    }
}
