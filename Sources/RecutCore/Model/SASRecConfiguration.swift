/// The hyperparameters of a SASRec model (PyTorch's pre-norm transformer encoder with a
/// causal mask, item and position embeddings, and a final layer norm).
public struct SASRecConfiguration: Sendable, Hashable, Codable {
    /// The number of items C; ids run 1...C and id 0 is padding.
    public var catalogSize: Int
    /// The longest input sequence L (the number of position embeddings).
    public var maxLength: Int
    /// The width d of embeddings and hidden states.
    public var dimension: Int
    /// The number of transformer blocks.
    public var blocks: Int
    /// The number of attention heads (must divide `dimension`).
    public var heads: Int
    /// The hidden width of each block's feed-forward network.
    public var feedForwardDimension: Int
    /// The dropout probability of every dropout site (embedding, attention, residual branches, feed-forward).
    public var dropout: Double
    /// The standard deviation of the normal initialisation of the item and position
    /// tables; 0 means PyTorch's default N(0, 1) tables with embeddings scaled by sqrt(d).
    public var initialStandardDeviation: Double
    /// The epsilon of every layer norm.
    public var layerNormEpsilon: Double

    /// Describes a model; the defaults are those of the reference run (d=64, 2 blocks,
    /// 1 head, feed-forward width 4d, dropout 0.2, tables N(0, 0.02)).
    public init(catalogSize: Int, maxLength: Int = 200, dimension: Int = 64, blocks: Int = 2, heads: Int = 1,
                feedForwardDimension: Int? = nil, dropout: Double = 0.2,
                initialStandardDeviation: Double = 0.02, layerNormEpsilon: Double = 1e-5) {
        precondition(catalogSize > 0 && maxLength > 0 && dimension > 0 && blocks >= 0 && heads > 0,
                     "SASRec sizes must be positive")
        precondition(dimension % heads == 0, "dimension \(dimension) is not divisible by \(heads) heads")
        precondition(dropout >= 0 && dropout < 1, "dropout \(dropout) outside [0, 1)")
        self.catalogSize = catalogSize
        self.maxLength = maxLength
        self.dimension = dimension
        self.blocks = blocks
        self.heads = heads
        self.feedForwardDimension = feedForwardDimension ?? 4 * dimension
        self.dropout = dropout
        self.initialStandardDeviation = initialStandardDeviation
        self.layerNormEpsilon = layerNormEpsilon
    }

    /// The factor applied to item embeddings before adding position embeddings.
    public var embeddingScale: Double {
        initialStandardDeviation > 0 ? 1 : Double(dimension).squareRoot()
    }
}
