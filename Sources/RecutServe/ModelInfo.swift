import RecutTrain

/// The `GET /model` answer: which checkpoint answers, its settings and sizes, and the data it
/// was trained on.
public struct ModelInfo: Encodable, Sendable {
    /// The checkpoint folder read.
    public var checkpoint: String
    /// Loads since the server started: 1 for the first model, one more per successful reload.
    public var generation: Int
    /// Items the model ranks (rows of the item table less the padding row).
    public var catalogSize: Int
    /// Users whose histories `POST /recommend` can use; nil when the data was not loaded.
    public var users: Int?
    /// Why user ids cannot be used, when they cannot.
    public var usersUnavailable: String?
    /// The model's sizes (`config.json`'s `model`).
    public var model: ModelShape
    /// The run's settings (`config.json`'s `training`).
    public var training: TrainingConfig
    /// The data trained on, with its fingerprint; nil for checkpoints that predate the record.
    public var data: DataRecord?
    /// The backend that ranks.
    public var device: String
    /// The largest `k` a request may ask for.
    public var maximumK: Int
    /// The most requests ranked in one pass.
    public var maximumBatch: Int

    enum CodingKeys: String, CodingKey {
        case checkpoint, generation, users, model, training, data, device
        case catalogSize = "catalog_size"
        case usersUnavailable = "users_unavailable"
        case maximumK = "max_k"
        case maximumBatch = "max_batch"
    }
}
