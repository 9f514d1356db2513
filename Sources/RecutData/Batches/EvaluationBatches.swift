/// The cases of an ``EvaluationSet`` in consecutive batches, built on access.
public struct EvaluationBatches: RandomAccessCollection, Sendable {
    /// The cases to batch.
    public let set: EvaluationSet
    /// Cases per batch B; the last batch may have fewer.
    public let batchSize: Int
    /// Positions per row L.
    public let length: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { (set.count + batchSize - 1) / batchSize }

    /// Batch `index`: cases `index * B ..< (index + 1) * B`.
    public subscript(index: Int) -> EvaluationBatch {
        let cases = index * batchSize..<Swift.min((index + 1) * batchSize, set.count)
        let length = length
        var inputs = [Int32](repeating: 0, count: cases.count * length)
        set.inputs.itemStorage.withUnsafeBufferPointer { items in
            inputs.withUnsafeMutableBufferPointer { inputs in
                for (row, index) in cases.enumerated() {
                    let range = set.inputs.range(of: index)
                    let end = range.upperBound
                    let window = Swift.min(range.count, length)
                    let first = row * length + length - window
                    for step in 0..<window { inputs[first + step] = items[end - window + step] }
                }
            }
        }
        return EvaluationBatch(batchSize: cases.count, length: length, inputs: inputs,
                               targets: Array(set.targets[cases]), cases: cases)
    }
}

extension EvaluationSet {
    /// The cases in order, B = `batchSize` per batch, each input cut to its last `length` events.
    public func batches(batchSize: Int, length: Int) -> EvaluationBatches {
        precondition(batchSize > 0 && length > 0, "batch size and length must be positive")
        return EvaluationBatches(set: self, batchSize: batchSize, length: length)
    }
}
