/// Which events of a holdout period become targets, and which cases a split keeps: the choices
/// that papers leave implicit, made explicit.
///
/// The input of a case is every event of its user before the target, so with `last`, `random`
/// and `all` it may hold earlier events of the same period (they happened before the target).
public struct SplitRules: Sendable, Hashable, Codable {
    /// Which events of each user's period are targets.
    public var target: TargetRule
    /// How the validation cases are taken.
    public var validation: ValidationRule
    /// Whether validation and test targets whose item never occurs in training are kept.
    public var coldItemTargets: ColdItemTargets
    /// Drop a case whose target item already occurs in its input (a repeat).
    public var dropRepeatTargets: Bool
    /// Drop a case whose input is shorter than this (at least 1).
    public var minimumInputLength: Int
    /// Seed of the `random` target rule and of the choice of cold users.
    public var seed: UInt64

    /// The rules; the defaults reproduce Recut's original splits.
    public init(target: TargetRule = .first, validation: ValidationRule = .same, coldItemTargets: ColdItemTargets = .keep,
                dropRepeatTargets: Bool = false, minimumInputLength: Int = 1, seed: UInt64 = 0) {
        self.target = target
        self.validation = validation
        self.coldItemTargets = coldItemTargets
        self.dropRepeatTargets = dropRepeatTargets
        self.minimumInputLength = minimumInputLength
        self.seed = seed
    }
}

/// Which events of a user's validation or test period are targets.
public enum TargetRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// The period's first event.
    case first
    /// The period's last event.
    case last
    /// One event of the period, drawn with the split seed.
    case random
    /// Every event of the period, each predicted from everything before it (successive).
    case all
}

/// How a split takes its validation cases.
public enum ValidationRule: String, Sendable, Hashable, Codable, CaseIterable {
    /// The test rule again, inside the training period (an earlier cut, the N events before, ...).
    case same
    /// Each user's last event before the test period; training keeps the events before it.
    case leaveOneOut = "leave-one-out"
}

/// What happens to a validation or test target whose item no training sequence holds.
public enum ColdItemTargets: String, Sendable, Hashable, Codable, CaseIterable {
    /// Keep the case: the model must rank an item it never trained on.
    case keep
    /// Drop the case.
    case drop
}
