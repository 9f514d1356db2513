import Foundation
import RecutTrain

/// Finds the checkpoint folder a `--checkpoint DIR` names: DIR itself when it holds a
/// checkpoint (or DIR.new or DIR.old does, after an interrupted save), else DIR/best (a run's
/// output folder).
enum CheckpointArgument {
    static func folder(_ path: String) -> String {
        let holdsCheckpoint = CrashSafeFolder.candidates(path).contains {
            FileManager.default.fileExists(atPath: $0 + "/" + CheckpointFolder.manifestName)
        }
        return holdsCheckpoint ? path : path + "/best"
    }
}
