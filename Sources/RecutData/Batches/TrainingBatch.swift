/// A batch of training windows: for each row, up to L positions of (input item, next item).
///
/// Arrays are `batchSize * length`, row-major and right-aligned: the most recent event is in
/// the last column and unused columns on the left hold the padding item 0. `targets[b, t]` is
/// the item that follows `inputs[b, t]` in the user's training sequence, 0 at padding.
public struct TrainingBatch: Sendable, Equatable {
    /// Number of rows (sequences) B.
    public var batchSize: Int
    /// Number of positions per row L.
    public var length: Int
    /// Input item ids, B x L.
    public var inputs: [Int32]
    /// Next-item targets, B x L; 0 where the position is padding.
    public var targets: [Int32]
    /// Dense user index of each row.
    public var users: [Int32]

    /// A batch from B x L inputs and targets and B users.
    public init(batchSize: Int, length: Int, inputs: [Int32], targets: [Int32], users: [Int32]) {
        precondition(inputs.count == batchSize * length && targets.count == batchSize * length
                     && users.count == batchSize, "TrainingBatch arrays must be B x L (users: B)")
        self.batchSize = batchSize
        self.length = length
        self.inputs = inputs
        self.targets = targets
        self.users = users
    }

    /// Number of positions N = B x L, padding included.
    public var positionCount: Int { batchSize * length }

    /// Whether each position (B x L, row-major) has a target, i.e. is not padding.
    public var mask: [Bool] { targets.map { $0 != 0 } }

    /// Whether position `position` of row `row` has a target, i.e. is not padding.
    public func isTarget(row: Int, position: Int) -> Bool { targets[row * length + position] != 0 }

    /// Number of positions with a target.
    public var targetCount: Int { targets.count { $0 != 0 } }
}
