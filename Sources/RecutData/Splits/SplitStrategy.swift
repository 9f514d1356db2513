/// How ``split(_:strategy:rules:)`` separates training, validation and test events.
///
/// Each strategy gives every user a test period (a suffix of the user's events), a validation
/// period before it and a training part before that; ``SplitRules`` then says which events of
/// a period become targets and which cases are kept.
public enum SplitStrategy: Sendable, Hashable, Codable {
    /// Per user: the last event is the test target, the second last the validation target,
    /// the rest is the training sequence (the SASRec protocol).
    case leaveOneOut
    /// One global cut in time: the test period is every event after it, the validation period
    /// the events after the validation cut up to it.
    case temporal(TemporalCut)
    /// Per user: the last N events are the test period, the N before them the validation period.
    case lastEvents(Int)
    /// Per user: the events in the last fraction r of the user's own time span (first to last
    /// event) are the test period; the same fraction of the rest's span is the validation period.
    case userRatio(Double)
    /// A share s of the users (chosen by the split seed) is held out whole for test and as many
    /// again for validation; the other users train on all their events.
    case coldUsers(Double)
}
