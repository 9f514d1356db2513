#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An exclusive `flock` on a run folder's lock file, so that one run at a time writes the folder.
///
/// The kernel drops the lock when the process ends, however it ends, so a crashed run never
/// leaves its folder locked; the file stays, holding the last holder's process id and host.
public final class RunLock {
    private var descriptor: Int32

    /// Takes the lock of `file`, or throws `TrainError.runFolderLocked` naming the holder when
    /// another process (or another lock in this one) has it.
    public init(file: String, directory: String) throws(TrainError) {
        descriptor = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw .writeFailed(file: file, reason: "cannot open the run's lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? nil : String(cString: strerror(errno))
            let holder = String(decoding: FileManager.default.contents(atPath: file) ?? Data(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            close(descriptor)
            if let reason { throw .writeFailed(file: file, reason: "cannot lock the run folder: \(reason)") }
            throw .runFolderLocked(directory: directory, holder: holder.isEmpty ? "holder unknown" : holder)
        }
        let text = "process \(getpid()) on \(ProcessInfo.processInfo.hostName)\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// Releases the lock (also released when the process ends).
    public func release() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
