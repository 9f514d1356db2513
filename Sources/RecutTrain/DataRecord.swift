import Foundation
import RecutData

/// The data a checkpoint was trained on, recorded in its `config.json`: the absolute path of
/// the file (nil for the synthetic data) and the content fingerprint of the preprocessed
/// dataset, so that resuming or evaluating on other data is refused unless asked for.
public struct DataRecord: Codable, Sendable, Equatable {
    /// The interaction file's absolute path; nil for synthetic data.
    public var path: String?
    /// `Dataset.fingerprint` of the data after preprocessing.
    public var fingerprint: String

    /// The record of `dataset`, read from `path`.
    public init(path: String?, dataset: Dataset) {
        self.path = path
        fingerprint = dataset.fingerprint
    }

    /// Throws `TrainError.dataChanged` unless `dataset` is the data recorded here, or `allowChange`.
    /// `checkpoint` names the folder whose record this is, for the message.
    public func check(_ dataset: Dataset, checkpoint: String, allowChange: Bool) throws(TrainError) {
        guard !allowChange else { return }
        let found = dataset.fingerprint
        guard found != fingerprint else { return }
        throw .dataChanged(checkpoint: checkpoint, path: path, recorded: fingerprint, found: found)
    }

    /// `path` made absolute against the working directory (nil stays nil).
    public static func absolutePath(_ path: String?) -> String? {
        guard let path else { return nil }
        return URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
