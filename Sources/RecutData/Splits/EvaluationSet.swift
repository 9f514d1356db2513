/// Evaluation cases: for each, a user, the history the model sees and the item it must rank.
///
/// Case `c` is user `users[c]`, input sequence `inputs[c]` (time ordered) and target item
/// `targets[c]` seen at `targetTimes[c]`.
public struct EvaluationSet: Sendable, Equatable {
    /// Dense user index of each case.
    public var users: [Int32]
    /// Input history of each case, one sequence per case.
    public var inputs: Sequences
    /// Item to predict for each case.
    public var targets: [Int32]
    /// Time of each target event.
    public var targetTimes: [Timestamp]

    /// Cases from parallel arrays; `inputs` holds one sequence per case.
    public init(users: [Int32] = [], inputs: Sequences = Sequences(), targets: [Int32] = [], targetTimes: [Timestamp] = []) {
        precondition(users.count == inputs.count && targets.count == users.count && targetTimes.count == users.count,
                     "one user, input, target and target time per case")
        self.users = users
        self.inputs = inputs
        self.targets = targets
        self.targetTimes = targetTimes
    }

    /// Number of cases.
    public var count: Int { users.count }

    /// Appends one case at the end.
    public mutating func append<I: Collection, T: Collection>(
        user: Int32, inputItems: I, inputTimes: T, target: Int32, targetTime: Timestamp
    ) where I.Element == Int32, T.Element == Timestamp {
        users.append(user)
        inputs.append(items: inputItems, timestamps: inputTimes)
        targets.append(target)
        targetTimes.append(targetTime)
    }
}
