/// How ``split(_:strategy:)`` separates training, validation and test events.
public enum SplitStrategy: Sendable, Hashable, Codable {
    /// Per user: the last event is the test target, the second last the validation target,
    /// the rest is the training sequence (the SASRec protocol).
    case leaveOneOut
    /// One global cut in time: test targets come after it, validation targets before it.
    case temporal(TemporalCut)
}
