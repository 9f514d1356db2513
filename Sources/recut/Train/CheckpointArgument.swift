import Foundation
import RecutTrain

/// Finds the checkpoint folder a `--checkpoint DIR` names: DIR itself when it holds a
/// checkpoint, else DIR/best (a run's output folder).
enum CheckpointArgument {
    static func folder(_ path: String) -> String {
        FileManager.default.fileExists(atPath: path + "/" + CheckpointFolder.manifestName) ? path : path + "/best"
    }
}
