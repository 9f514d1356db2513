#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RecutData

/// Replaces a checkpoint folder so that a complete checkpoint exists under its name or beside
/// it at every instant, even if the process or the machine dies in the middle of a save.
///
/// A save of `F` first settles what an interrupted save left (see `settle`), then writes the
/// new checkpoint into the fresh sibling `F.new` (`CheckpointFolder`: every file fsynced, the
/// manifest last), then swaps names: `F` to `F.old`, `F.new` to `F`, and removes `F.old`,
/// fsyncing the parent folder after each step. The manifest of `F.new` landing is the commit
/// point: readers get the previous checkpoint before it and the new one from then on, because
/// they take the first complete folder of `F.new`, `F`, `F.old`. A complete `F.new` is always
/// the newest checkpoint, since a save settles any older `F.new` before writing its own.
/// A reader racing a save may find each candidate just as the save moves it away; it then
/// looks again, until a look sees a complete folder or nothing move while it looked.
///
/// Files in `F` that are not the checkpoint's (a user's notes, say) are linked into `F.new`
/// before its manifest lands, so the swap keeps them.
public enum CrashSafeFolder {
    /// Suffix of the folder a save writes before swapping it in.
    public static let newSuffix = ".new"
    /// Suffix the previous checkpoint takes during the swap.
    public static let oldSuffix = ".old"

    /// The folders the checkpoint named `folder` may sit in, newest first.
    public static func candidates(_ folder: String) -> [String] {
        let folder = trimmed(folder)
        return [folder + newSuffix, folder, folder + oldSuffix]
    }

    /// Reads the newest complete checkpoint named `folder` and the folder it came from.
    ///
    /// When none is complete it throws why `folder` itself is not, the error a user can act on.
    public static func read(_ folder: String) throws(TrainError) -> (files: [String: Data], folder: String) {
        let folder = trimmed(folder)
        var failure: TrainError?
        for _ in 0..<maximumLooks {
            let before = identities(folder)
            for candidate in candidates(folder) {
                do {
                    return (try CheckpointFolder.read(from: candidate), candidate)
                } catch {
                    if candidate == folder { failure = error }
                }
            }
            // Nothing was renamed, created or removed while looking: no save raced this look.
            if identities(folder) == before { break }
        }
        throw failure!
    }

    /// Looks a reader takes at most while saves keep moving the folders under it.
    static let maximumLooks = 1000

    /// What each candidate name refers to now (device, inode and change time; nil if absent):
    /// every rename, creation and removal of a save changes it, and the change time tells a
    /// folder from a later one that reuses its inode.
    private static func identities(_ folder: String) -> [[Int]?] {
        candidates(folder).map { path in
            var status = stat()
            guard stat(path, &status) == 0 else { return nil }
            #if canImport(Darwin)
            let changed = status.st_ctimespec
            #else
            let changed = status.st_ctim
            #endif
            return [Int(status.st_dev), Int(status.st_ino), Int(changed.tv_sec), Int(changed.tv_nsec)]
        }
    }

    /// Replaces the checkpoint named `folder` with `files` (file name to content).
    public static func replace(_ folder: String, with files: [String: Data]) throws(TrainError) {
        try replace(folder, with: files, afterEachStep: {})
    }

    /// `replace(_:with:)`, calling `afterEachStep` after every durable step: tests throw from it
    /// to stop the save there, as a crash would.
    static func replace(
        _ folder: String, with files: [String: Data], afterEachStep: () throws(TrainError) -> Void
    ) throws(TrainError) {
        let folder = trimmed(folder)
        let fresh = folder + newSuffix, old = folder + oldSuffix
        try createFolder(parent(of: folder))
        try settle(folder, afterEachStep: afterEachStep)
        try createFolder(fresh)
        try syncParent(of: fresh)
        try afterEachStep()
        try linkOtherFiles(from: folder, into: fresh, besides: Set(files.keys))
        try CheckpointFolder.write(files, to: fresh, afterEachFile: afterEachStep)
        if AtomicFile.isDirectory(folder) {
            try rename(folder, to: old)
            try afterEachStep()
        }
        try rename(fresh, to: folder)
        try afterEachStep()
        try removeFolder(old, afterEachStep: afterEachStep)
    }

    /// Brings the leftovers of an interrupted save back to one folder: the newest complete
    /// checkpoint is renamed to `folder` and the other siblings are removed.
    ///
    /// Every step keeps that checkpoint the first complete candidate, so a crash here loses nothing.
    static func settle(_ folder: String, afterEachStep: () throws(TrainError) -> Void) throws(TrainError) {
        let fresh = folder + newSuffix, old = folder + oldSuffix
        guard AtomicFile.isDirectory(fresh) || AtomicFile.isDirectory(old) else { return }
        if let newest = candidates(folder).first(where: CheckpointFolder.isComplete), newest != folder {
            try removeFolder(folder, afterEachStep: afterEachStep)
            try rename(newest, to: folder)
            try afterEachStep()
        }
        try removeFolder(fresh, afterEachStep: afterEachStep)
        try removeFolder(old, afterEachStep: afterEachStep)
    }

    /// Links (or copies, for folders) into `fresh` every entry of `folder` that is not a checkpoint
    /// file: not in `names`, not listed by `folder`'s manifest, not the manifest, not a temporary file.
    private static func linkOtherFiles(from folder: String, into fresh: String, besides names: Set<String>) throws(TrainError) {
        guard AtomicFile.isDirectory(folder) else { return }
        let listed = CheckpointFolder.listedFiles(folder)
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        for name in entries.sorted() where !names.contains(name) && !listed.contains(name)
            && name != CheckpointFolder.manifestName && !(name.hasPrefix(".") && name.contains(".tmp-")) {
            let source = folder + "/" + name, destination = fresh + "/" + name
            do {
                if AtomicFile.isDirectory(source) {
                    try FileManager.default.copyItem(atPath: source, toPath: destination)
                } else {
                    try FileManager.default.linkItem(atPath: source, toPath: destination)
                }
            } catch {
                throw .writeFailed(file: destination, reason: "cannot keep \(source) in the new checkpoint: \(error.localizedDescription)")
            }
        }
        try reportingDataErrors { () throws(DataError) in try AtomicFile.syncDirectory(fresh) }
    }

    // MARK: File-system steps, each made durable before it returns

    private static func createFolder(_ path: String) throws(TrainError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(file: path, reason: "cannot create the folder: \(error.localizedDescription)")
        }
    }

    private static func rename(_ source: String, to destination: String) throws(TrainError) {
        guard systemRename(source, destination) == 0 else {
            throw .writeFailed(file: destination, reason: "cannot rename \(source) to it: \(String(cString: strerror(errno)))")
        }
        try syncParent(of: destination)
    }

    /// Removes `path` and everything inside if it exists; a no-op (and no step) otherwise.
    private static func removeFolder(_ path: String, afterEachStep: () throws(TrainError) -> Void) throws(TrainError) {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .writeFailed(file: path, reason: "cannot remove a leftover checkpoint folder: \(error.localizedDescription)")
        }
        try syncParent(of: path)
        try afterEachStep()
    }

    private static func syncParent(of path: String) throws(TrainError) {
        try reportingDataErrors { () throws(DataError) in try AtomicFile.syncDirectory(parent(of: path)) }
    }

    private static func parent(of path: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().path
    }

    /// `folder` without trailing slashes, so that the sibling names are siblings.
    private static func trimmed(_ folder: String) -> String {
        var folder = folder
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        return folder
    }
}

#if canImport(Glibc)
private let systemRename = Glibc.rename
#elseif canImport(Darwin)
private let systemRename = Darwin.rename
#endif
