/// Cuts training sequences into shuffled batches of right-aligned windows, epoch after epoch.
///
/// Each row is the last L + 1 events s of one training sequence: inputs s[-(L+1) ..< -1],
/// targets s[-L...] (shorter sequences are padded on the left). Sequences of one event give
/// no training position and are skipped. The order of an epoch depends only on (seed, epoch),
/// so a resumed run sees the same batches.
public struct TrainingBatcher: Sendable {
    /// The training sequences.
    public let sequences: Sequences
    /// Dense user index of each sequence.
    public let users: [Int32]
    /// Rows per batch B; the last batch of an epoch may have fewer.
    public let batchSize: Int
    /// Positions per row L.
    public let length: Int
    /// Seed of the epoch shuffles.
    public let seed: UInt64
    /// Indices of the sequences with at least 2 events, in sequence order.
    public let trainableSequences: [Int32]

    /// A batcher over `sequences` (user of each in `users`) with B = `batchSize` and L = `length`.
    public init(sequences: Sequences, users: [Int32], batchSize: Int, length: Int, seed: UInt64) {
        precondition(batchSize > 0 && length > 0, "batch size and length must be positive")
        precondition(users.count == sequences.count, "one user per sequence")
        self.sequences = sequences
        self.users = users
        self.batchSize = batchSize
        self.length = length
        self.seed = seed
        trainableSequences = (0..<sequences.count).filter { sequences.length($0) >= 2 }.map(Int32.init)
    }

    /// A batcher over the training sequences of `split`.
    public init(split: DataSplit, batchSize: Int, length: Int, seed: UInt64) {
        self.init(sequences: split.train, users: split.trainUsers, batchSize: batchSize, length: length, seed: seed)
    }

    /// Number of batches in every epoch.
    public var batchCount: Int { (trainableSequences.count + batchSize - 1) / batchSize }

    /// The batches of epoch `epoch`, over every trainable sequence once, in a shuffled order.
    public func batches(epoch: Int) -> TrainingEpoch {
        var order = trainableSequences
        var generator = SplitMix64(seed: seed ^ Self.shuffleKey, stream: UInt64(bitPattern: Int64(epoch)))
        // Fisher-Yates with our own generator: the standard shuffle's algorithm is not guaranteed stable.
        for index in stride(from: order.count - 1, to: 0, by: -1) {
            order.swapAt(index, generator.next(below: index + 1))
        }
        return TrainingEpoch(batcher: self, order: order)
    }

    /// Keeps shuffles apart from other streams (negative samples) made from the same seed.
    private static let shuffleKey: UInt64 = 0x5348_5546_464C_4531

    /// The batch of the sequences `rows`, in that order.
    public func batch<Rows: Collection>(ofSequences rows: Rows) -> TrainingBatch where Rows.Element == Int32 {
        let rowCount = rows.count, length = length
        var inputs = [Int32](repeating: 0, count: rowCount * length)
        var targets = [Int32](repeating: 0, count: rowCount * length)
        sequences.itemStorage.withUnsafeBufferPointer { items in
            inputs.withUnsafeMutableBufferPointer { inputs in
                targets.withUnsafeMutableBufferPointer { targets in
                    for (row, sequence) in rows.enumerated() {
                        let range = sequences.range(of: Int(sequence))
                        let end = range.upperBound
                        let window = min(range.count - 1, length)
                        let first = row * length + length - window
                        for step in 0..<max(window, 0) {
                            inputs[first + step] = items[end - 1 - window + step]
                            targets[first + step] = items[end - window + step]
                        }
                    }
                }
            }
        }
        return TrainingBatch(batchSize: rowCount, length: length, inputs: inputs, targets: targets,
                             users: rows.map { users[Int($0)] })
    }
}
