import Foundation
import RecutData

/// Everything that can go wrong while configuring, checkpointing or logging a training run,
/// phrased for the user to fix.
public enum TrainError: Error, CustomStringConvertible, Equatable {
    /// A file could not be written (missing directory, full disk, no permission).
    case writeFailed(file: String, reason: String)
    /// A file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// A file was read but its content is not what its format promises.
    case corrupt(file: String, reason: String)
    /// A checkpoint folder lacks its manifest or does not match it (an interrupted save).
    case incompleteCheckpoint(directory: String, reason: String)
    /// A configuration file names a setting Recut does not know.
    case unknownSetting(key: String, file: String, known: [String])
    /// A setting has a value of the wrong kind or outside its range.
    case invalidSetting(key: String, value: String, source: String, reason: String)
    /// Reading, preprocessing or splitting the data failed.
    case data(DataError)
    /// The data differs from the data a checkpoint was trained on (content fingerprints).
    case dataChanged(checkpoint: String, path: String?, recorded: String, found: String)
    /// The run needs more memory than its device has free (bytes, with the parts that need it).
    case doesNotFit(device: String, needed: Double, available: Int, parts: [String])
    /// The loss or the weights stopped being finite: the run stopped at `step` (1-based, the
    /// first step seen non-finite) of `epoch` (1-based) without saving; `kept` says which
    /// checkpoint is left.
    case diverged(what: String, step: Int, epoch: Int, kept: String)
    /// Another process holds the run folder's lock; `holder` is what it wrote into the lock file.
    case runFolderLocked(directory: String, holder: String)
    /// A new run was pointed at a folder that already holds files (`contents`, some of them).
    case runFolderNotEmpty(directory: String, contents: [String])
    /// A signal stopped the run between two steps, after saving `last/` at `step`.
    case interrupted(signal: Int32, directory: String, step: Int)

    public var description: String {
        switch self {
        case .writeFailed(let file, let reason): "\(file): cannot write: \(reason)"
        case .unreadable(let file, let reason): "\(file): cannot read: \(reason)"
        case .corrupt(let file, let reason): "\(file): corrupt file: \(reason)"
        case .incompleteCheckpoint(let directory, let reason):
            "\(directory): incomplete checkpoint (an interrupted save?): \(reason)"
        case .unknownSetting(let key, let file, let known):
            "\(file): unknown setting '\(key)'; known settings: \(known.joined(separator: ", "))"
        case .invalidSetting(let key, let value, let source, let reason):
            "\(source): setting '\(key)' = '\(value)': \(reason)"
        case .data(let error): error.description
        case .dataChanged(let checkpoint, let path, let recorded, let found):
            "\(checkpoint) was trained on other data: \(path ?? "the synthetic data") (the path recorded in its "
                + "config.json) now has fingerprint \(found), not \(recorded); use the data it was trained on, or "
                + "--allow-data-change to go on anyway"
        case .doesNotFit(let device, let needed, let available, let parts):
            "the run needs at least \(TrainingMemory.formatted(needed)) on \(device) (\(parts.joined(separator: ", "))) "
                + "but \(TrainingMemory.formatted(Double(available))) are free; lower --batch, --max-length, --dim, "
                + "--negatives or the catalog, or use a larger device"
        case .diverged(let what, let step, let epoch, let kept):
            "training diverged: \(what) is not finite at step \(step) (epoch \(epoch)); nothing was saved from it on, "
                + "\(kept); lower --lr or set --grad-clip"
        case .runFolderLocked(let directory, let holder):
            "\(directory): another run is using this folder (\(holder)); wait for it to end or choose another --output"
        case .runFolderNotEmpty(let directory, let contents):
            "\(directory): the folder is not empty (\(contents.prefix(5).joined(separator: ", "))"
                + "\(contents.count > 5 ? ", ..." : "")); continue its run with `recut train --resume \(shellQuoted(directory))`, "
                + "replace its run with --overwrite, or choose another --output"
        case .interrupted(let signal, let directory, let step):
            "stopped by signal \(signal) after step \(step); \(directory)/last holds it: continue with "
                + "`\(Self.resumeCommand(directory))`"
        }
    }
}

extension TrainError {
    /// The command that continues the run saved in `directory`, quoted for a POSIX shell.
    public static func resumeCommand(_ directory: String) -> String {
        "recut train --resume \(shellQuoted(directory))"
    }
}

/// `text` as one POSIX shell word: unchanged when it holds only safe characters, else in single quotes.
private func shellQuoted(_ text: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+@%,")
    if !text.isEmpty && text.allSatisfy(safe.contains) { return text }
    return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
