/// A dataset cut into training sequences and validation and test cases.
///
/// Built by ``split(_:strategy:rules:)``; no test-target event and no later event ever appears in
/// a training sequence or a validation input.
public struct DataSplit: Sendable {
    /// Training sequences, one per user of `trainUsers`; every prefix predicts its next item.
    public var train: Sequences
    /// Dense user index of each training sequence.
    public var trainUsers: [Int32]
    /// Cases used to pick the epoch and hyperparameters.
    public var validation: EvaluationSet
    /// Cases reported as the final result.
    public var test: EvaluationSet

    /// A split from its parts; `trainUsers` names the user of each training sequence.
    public init(train: Sequences, trainUsers: [Int32], validation: EvaluationSet, test: EvaluationSet) {
        precondition(train.count == trainUsers.count, "one user per training sequence")
        self.train = train
        self.trainUsers = trainUsers
        self.validation = validation
        self.test = test
    }
}

extension DataSplit {
    /// How many of this split's test cases target an event that `trained`'s training sequences
    /// hold: evaluating a model trained on `trained` with such cases would test on its training data.
    ///
    /// Both splits must come from the same dataset; a case's input is every event of its user
    /// before the target, so the target's place in the user's sequence is the input's length.
    public func testCasesInTraining(of trained: DataSplit) -> Int {
        var trainedLength: [Int32: Int] = [:]
        for index in 0..<trained.train.count { trainedLength[trained.trainUsers[index]] = trained.train.length(index) }
        return (0..<test.count).count { test.inputs.length($0) < trainedLength[test.users[$0], default: 0] }
    }
}
