/// The `POST /recommend` answer: `{"items": [{"item": "50", "score": 4.2}, ...], "generation": 1}`,
/// best first; `generation` says which load of the model answered (see `ModelInfo`).
public struct RecommendResponse: Codable, Sendable, Equatable {
    /// One recommended item: its external id and the model's score.
    public struct Item: Codable, Sendable, Equatable {
        /// The external item id.
        public var item: String
        /// The hidden state times the item's embedding.
        public var score: Float

        /// An item and its score.
        public init(item: String, score: Float) {
            self.item = item
            self.score = score
        }
    }

    /// The recommended items, best first.
    public var items: [Item]
    /// The model load that answered.
    public var generation: Int

    /// The answer listing `items`, from model load `generation`.
    public init(items: [Item], generation: Int) {
        self.items = items
        self.generation = generation
    }
}
