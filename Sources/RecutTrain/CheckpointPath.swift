import Foundation

/// The checkpoint folder a path names: the path itself when it holds a checkpoint (or its
/// `.new`/`.old` twin does, after an interrupted save), else its `best/` (a run's folder), as
/// `--checkpoint` reads it in every command.
public enum CheckpointPath {
    /// The checkpoint folder of `path`.
    public static func folder(_ path: String) -> String {
        let holdsCheckpoint = CrashSafeFolder.candidates(path).contains {
            FileManager.default.fileExists(atPath: $0 + "/" + CheckpointFolder.manifestName)
        }
        return holdsCheckpoint ? path : path + "/best"
    }
}
