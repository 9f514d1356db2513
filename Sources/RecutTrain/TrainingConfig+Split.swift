import Foundation
import RecutData

/// The split's keys: `split` names the strategy, one size key sizes it (`cut-time` or
/// `cut-quantile` for `temporal`, `test-events` for `last-n`, `test-ratio` for `user-ratio`,
/// `cold-user-share` for `cold-users`), and the rules apply to every split except where they
/// cannot: `split-target` has nothing to choose under leave-one-out (one test event per user),
/// and `split-seed` only feeds `split-target = random` and `split = cold-users`. A key that does
/// not apply is refused, so that a setting never silently does nothing.
extension TrainingConfig {
    /// Writes `split`, its size key and the rules that apply.
    func encodeSplit(into container: inout KeyedEncodingContainer<CodingKeys>) throws {
        try container.encode(SplitName(split), forKey: .split)
        switch split {
        case .leaveOneOut: break
        case .temporal(.time(let time)): try container.encode(time, forKey: .cutTime)
        case .temporal(.quantile(let quantile)): try container.encode(quantile, forKey: .cutQuantile)
        case .lastEvents(let count): try container.encode(count, forKey: .testEvents)
        case .userRatio(let ratio): try container.encode(ratio, forKey: .testRatio)
        case .coldUsers(let share): try container.encode(share, forKey: .coldUserShare)
        }
        if split != .leaveOneOut { try container.encode(splitRules.target, forKey: .splitTarget) }
        try container.encode(splitRules.validation, forKey: .splitValidation)
        try container.encode(splitRules.coldItemTargets, forKey: .coldItemTargets)
        try container.encode(splitRules.dropRepeatTargets, forKey: .dropRepeatTargets)
        try container.encode(splitRules.minimumInputLength, forKey: .minimumInputLength)
        if Self.seedApplies(split: split, target: splitRules.target) {
            try container.encode(Int(splitRules.seed), forKey: .splitSeed)
        }
    }

    /// Reads the split keys; throws `DecodingError.dataCorrupted` when they do not fit together.
    mutating func decodeSplit(from container: KeyedDecodingContainer<CodingKeys>) throws {
        func refuse(_ message: String) -> DecodingError {
            DecodingError.dataCorruptedError(forKey: .split, in: container, debugDescription: message)
        }
        let name = try container.decodeIfPresent(SplitName.self, forKey: .split) ?? .leaveOneOut
        for key in SplitName.allParameterKeys where container.contains(key) && !name.parameterKeys.contains(key) {
            let owner = SplitName.allCases.first { $0.parameterKeys.contains(key) }!
            throw refuse("\(key.rawValue) needs split = \(owner.rawValue)")
        }
        switch name {
        case .leaveOneOut:
            split = .leaveOneOut
        case .temporal:
            let cutTime = try container.decodeIfPresent(Double.self, forKey: .cutTime)
            let cutQuantile = try container.decodeIfPresent(Double.self, forKey: .cutQuantile)
            switch (cutTime, cutQuantile) {
            case (let time?, nil): split = .temporal(.time(time))
            case (nil, let quantile?): split = .temporal(.quantile(quantile))
            default: throw refuse("split = temporal needs exactly one of cut-time or cut-quantile")
            }
        case .lastEvents:
            guard let count = try container.decodeIfPresent(Int.self, forKey: .testEvents) else {
                throw refuse("split = last-n needs test-events (the number of test events per user)")
            }
            split = .lastEvents(count)
        case .userRatio:
            guard let ratio = try container.decodeIfPresent(Double.self, forKey: .testRatio) else {
                throw refuse("split = user-ratio needs test-ratio (the share of each user's time span to test on)")
            }
            split = .userRatio(ratio)
        case .coldUsers:
            guard let share = try container.decodeIfPresent(Double.self, forKey: .coldUserShare) else {
                throw refuse("split = cold-users needs cold-user-share (the share of users held out for test)")
            }
            split = .coldUsers(share)
        }
        var rules = SplitRules()
        if let target = try container.decodeIfPresent(TargetRule.self, forKey: .splitTarget) {
            guard name != .leaveOneOut else {
                throw refuse("split-target does not apply to split = leave-one-out, which has one test event per user")
            }
            rules.target = target
        }
        rules.validation = try container.decodeIfPresent(ValidationRule.self, forKey: .splitValidation) ?? rules.validation
        rules.coldItemTargets = try container.decodeIfPresent(ColdItemTargets.self, forKey: .coldItemTargets)
            ?? rules.coldItemTargets
        rules.dropRepeatTargets = try container.decodeIfPresent(Bool.self, forKey: .dropRepeatTargets) ?? false
        rules.minimumInputLength = try container.decodeIfPresent(Int.self, forKey: .minimumInputLength) ?? 1
        if let seed = try container.decodeIfPresent(Int.self, forKey: .splitSeed) {
            guard Self.seedApplies(split: split, target: rules.target) else {
                throw refuse("split-seed only applies to split-target = random or split = cold-users")
            }
            guard seed >= 0 else { throw refuse("split-seed must not be negative") }
            rules.seed = UInt64(seed)
        }
        splitRules = rules
    }

    /// Whether the split seed changes anything.
    static func seedApplies(split: SplitStrategy, target: TargetRule) -> Bool {
        if case .coldUsers = split { return true }
        return target == .random && split != .leaveOneOut
    }

    /// Removes from `object` (settings with `given` laid over them) the split keys the given ones
    /// replace, unless they were given too: the other cut when one cut is given; the size keys of
    /// other splits when `split` is given (so `--split last-n` works over a temporal config file);
    /// `split-target` under leave-one-out and `split-seed` where it no longer applies.
    static func dropReplacedSplitKeys(_ object: inout [String: Any], given: Set<String>) {
        func drop(_ key: CodingKeys) { if !given.contains(key.rawValue) { object[key.rawValue] = nil } }
        if given.contains(CodingKeys.cutTime.rawValue) { drop(.cutQuantile) }
        if given.contains(CodingKeys.cutQuantile.rawValue) { drop(.cutTime) }
        let name = (object[CodingKeys.split.rawValue] as? String).flatMap(SplitName.init(rawValue:))
        if given.contains(CodingKeys.split.rawValue), let name {
            for key in SplitName.allParameterKeys where !name.parameterKeys.contains(key) { drop(key) }
        }
        if name == .leaveOneOut { drop(.splitTarget) }
        let target = (object[CodingKeys.splitTarget.rawValue] as? String).flatMap(TargetRule.init(rawValue:)) ?? .first
        if name == .coldUsers || (target == .random && name != .leaveOneOut) {} else { drop(.splitSeed) }
    }

    /// The split keys as one text, for the message of a split whose keys do not fit together.
    static func describeSplitKeys(_ object: [String: Any]) -> String {
        let name = (object[CodingKeys.split.rawValue] as? String).flatMap(SplitName.init(rawValue:)) ?? .leaveOneOut
        let others: [CodingKeys] = [.splitTarget, .splitSeed] + SplitName.allParameterKeys
        let keys = [CodingKeys.split] + name.parameterKeys
            + others.filter { object[$0.rawValue] != nil && !name.parameterKeys.contains($0) }
        return keys.map { "\($0.rawValue) = \(object[$0.rawValue].map { "\($0)" } ?? "none")" }.joined(separator: ", ")
    }
}

extension TrainingConfig {
    /// The split settings in the syntax of `recut data audit --compare`: the split's name, then
    /// `:key=value` for its size key and each rule that differs from the default.
    public var splitDescription: String {
        var parts = [SplitName(split).rawValue]
        switch split {
        case .leaveOneOut: break
        case .temporal(.time(let time)): parts.append("cut-time=\(time)")
        case .temporal(.quantile(let quantile)): parts.append("cut-quantile=\(quantile)")
        case .lastEvents(let count): parts.append("test-events=\(count)")
        case .userRatio(let ratio): parts.append("test-ratio=\(ratio)")
        case .coldUsers(let share): parts.append("cold-user-share=\(share)")
        }
        let rules = splitRules
        if rules.target != .first { parts.append("split-target=\(rules.target.rawValue)") }
        if rules.validation != .same { parts.append("split-validation=\(rules.validation.rawValue)") }
        if rules.coldItemTargets != .keep { parts.append("cold-item-targets=\(rules.coldItemTargets.rawValue)") }
        if rules.dropRepeatTargets { parts.append("drop-repeat-targets=true") }
        if rules.minimumInputLength != 1 { parts.append("min-input-length=\(rules.minimumInputLength)") }
        if Self.seedApplies(split: split, target: rules.target) && rules.seed != 0 { parts.append("split-seed=\(rules.seed)") }
        return parts.joined(separator: ":")
    }

    /// This configuration with the split of `description` (`name[:key=value...]`, as
    /// `splitDescription` writes it) in place of its own; `source` names it in errors.
    public func replacingSplit(with description: String, source: String) throws(TrainError) -> TrainingConfig {
        let parts = description.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let name = parts.first, !name.isEmpty else {
            throw .invalidSetting(key: CodingKeys.split.rawValue, value: description, source: source,
                                  reason: "expected NAME[:key=value...], e.g. temporal:cut-quantile=0.9:split-target=all")
        }
        var overrides = [CodingKeys.split.rawValue: name]
        let splitKeys: Set<CodingKeys> = Set(SplitName.allParameterKeys + [.splitTarget, .splitValidation, .coldItemTargets,
                                                                            .dropRepeatTargets, .minimumInputLength, .splitSeed])
        for part in parts.dropFirst() {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, let key = CodingKeys(rawValue: pair[0]), splitKeys.contains(key) else {
                throw .invalidSetting(key: CodingKeys.split.rawValue, value: description, source: source,
                                      reason: "\"\(part)\" is not key=value with a split key (\(splitKeys.map(\.rawValue).sorted().joined(separator: ", ")))")
            }
            overrides[key.rawValue] = pair[1]
        }
        var base = self
        base.split = .leaveOneOut
        base.splitRules = SplitRules()
        return try base.applying(overrides: overrides, source: source)
    }
}
