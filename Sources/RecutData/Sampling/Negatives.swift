/// Negative item ids drawn for one training batch.
public struct Negatives: Sendable, Equatable {
    /// Item ids in 1...C, row-major in `shape`.
    public var ids: [Int32]
    /// [N, K] per position (N = B x L), [B, K] per sequence, [K] per batch.
    public var shape: [Int]
    /// Which positions share each set of negatives.
    public var granularity: NegativeGranularity
    /// With ``CollisionPolicy/mask``: [N, K] flags, false where negative k of position n equals
    /// the target of position n; nil otherwise.
    public var valid: [Bool]?

    /// Negatives from ids filling `shape`, with optional [N, K] validity flags.
    public init(ids: [Int32], shape: [Int], granularity: NegativeGranularity, valid: [Bool]?) {
        precondition(ids.count == shape.reduce(1, *), "ids must fill the shape")
        self.ids = ids
        self.shape = shape
        self.granularity = granularity
        self.valid = valid
    }

    /// Negatives per position (or row, or batch) K.
    public var count: Int { shape.last ?? 0 }
}
