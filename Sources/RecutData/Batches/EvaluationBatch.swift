/// A batch of evaluation cases: the last L input events of each case and the item to rank.
public struct EvaluationBatch: Sendable, Equatable {
    /// Number of cases B.
    public var batchSize: Int
    /// Positions per row L.
    public var length: Int
    /// The last L events of each case's input, B x L, right-aligned with padding 0 on the left.
    public var inputs: [Int32]
    /// Target item of each case.
    public var targets: [Int32]
    /// Indices of these cases in their ``EvaluationSet``.
    public var cases: Range<Int>

    /// A batch from B x L inputs, B targets and the B case indices.
    public init(batchSize: Int, length: Int, inputs: [Int32], targets: [Int32], cases: Range<Int>) {
        precondition(inputs.count == batchSize * length && targets.count == batchSize && cases.count == batchSize,
                     "EvaluationBatch inputs must be B x L, targets and cases B")
        self.batchSize = batchSize
        self.length = length
        self.inputs = inputs
        self.targets = targets
        self.cases = cases
    }
}
