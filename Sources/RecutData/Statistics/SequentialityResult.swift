/// How much sequential signal a dataset carries ("Does It Look Sequential?", Klenitskiy et al.):
/// the test NDCG@10 of a model trained on the data as is and with each user's training order
/// shuffled, beside the popularity baseline. A ratio near 1 means order barely matters.
public struct SequentialityResult: Sendable, Codable, Equatable {
    /// The split both models were trained and tested on (`recut data audit --compare` syntax).
    public var split: String
    /// Test cases.
    public var testCases: Int
    /// Epochs each model trained at most.
    public var epochs: Int
    /// Test NDCG@10 of the model trained on the data in time order.
    public var ndcgAt10: Double
    /// Test NDCG@10 of the model trained with every user's training events shuffled.
    public var shuffledNDCGAt10: Double
    /// `shuffledNDCGAt10 / ndcgAt10` (0 when the first is 0).
    public var shuffledToOrderedRatio: Double
    /// Test NDCG@10 of the most-popular baseline (the same for both).
    public var popularityNDCGAt10: Double

    /// The result of both runs; the ratio is computed here.
    public init(split: String, testCases: Int, epochs: Int, ndcgAt10: Double, shuffledNDCGAt10: Double,
                popularityNDCGAt10: Double) {
        self.split = split
        self.testCases = testCases
        self.epochs = epochs
        self.ndcgAt10 = ndcgAt10
        self.shuffledNDCGAt10 = shuffledNDCGAt10
        shuffledToOrderedRatio = ndcgAt10 > 0 ? shuffledNDCGAt10 / ndcgAt10 : 0
        self.popularityNDCGAt10 = popularityNDCGAt10
    }
}

extension DataSplit {
    /// This split with each training user's training events in a random order (the same order in
    /// the training sequence and in the user's validation and test inputs, which start with those
    /// events); targets, later input events and users without a training sequence are untouched.
    ///
    /// Needs the split's sequences to view `dataset`'s storage, as ``split(_:strategy:rules:)`` makes them.
    public func shufflingTrainingOrder(of dataset: Dataset, seed: UInt64) -> DataSplit {
        let sequences = dataset.sequences
        var items = sequences.itemStorage
        precondition(train.itemStorage.count == items.count && test.inputs.itemStorage.count == items.count,
                     "the split must view the dataset's storage")
        for index in 0..<train.count {
            let range = train.range(of: index)
            var generator = SplitMix64(seed: seed ^ (UInt64(trainUsers[index]) &* 0x9E37_79B9_7F4A_7C15))
            // Fisher-Yates over the training events of this user.
            var position = range.upperBound - 1
            while position > range.lowerBound {
                let other = range.lowerBound + generator.next(below: position - range.lowerBound + 1)
                items.swapAt(position, other)
                position -= 1
            }
        }
        let shuffled = Sequences(offsets: [0, items.count], items: items, timestamps: sequences.timeStorage)
        func view(_ original: Sequences) -> Sequences {
            shuffled.sharingStorage(ranges: (0..<original.count).map(original.range(of:)))
        }
        return DataSplit(
            train: view(train), trainUsers: trainUsers,
            validation: EvaluationSet(users: validation.users, inputs: view(validation.inputs), targets: validation.targets,
                                      targetTimes: validation.targetTimes),
            test: EvaluationSet(users: test.users, inputs: view(test.inputs), targets: test.targets,
                                targetTimes: test.targetTimes))
    }
}
