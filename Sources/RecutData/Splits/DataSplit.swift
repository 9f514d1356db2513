/// A dataset cut into training sequences and validation and test cases.
///
/// Built by ``split(_:strategy:)``; no test-target event and no later event ever appears in
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
