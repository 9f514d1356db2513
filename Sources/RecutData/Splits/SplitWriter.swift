import Foundation

/// Writes a ``DataSplit`` as tab-separated files with external ids, for other tools to reuse.
///
/// Every file has the header `user_id\titem_id\ttimestamp`:
/// - `train.tsv`: every event of every training sequence, sequence by sequence, in time order.
/// - `validation.tsv`, `test.tsv`: the target event of each case, one row per case, in case order.
/// - `validation_inputs.tsv`, `test_inputs.tsv`: the input events of each case, case by case,
///   written only when the rule below cannot rebuild the inputs (and removed otherwise).
///
/// Rebuilding the cases when each user has at most one case per set:
/// - the input of a validation case is the user's rows of `validation_inputs.tsv` when that
///   file exists, else the user's rows of `train.tsv`;
/// - the input of a test case is the user's rows of `test_inputs.tsv` when that file exists,
///   else the user's rows of `train.tsv` followed by the user's row of `validation.tsv`, if any.
///
/// A set with several cases for one user (target rule `all`) always gets its inputs file,
/// with a fourth column `case`: the 0-based row of the case in the targets file.
///
/// Leave-one-out splits always follow the short rule, so only the first three files are
/// written. Temporal splits usually need the input files: a test input also holds the events
/// between the validation target and the test cut, and a validation input may be a single
/// event, which no training sequence holds. Each file is replaced atomically; the set of files
/// is not.
public struct SplitWriter: Sendable {
    /// A writer; it holds no state.
    public init() {}

    /// Writes the files of `split` into `directory` (created if missing), with the ids of `dataset`.
    public func write(_ split: DataSplit, dataset: Dataset, to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError.unwritable(file: directory, reason: error.localizedDescription)
        }
        // Training sequences are one per user, so this index always exists.
        let trainIndex = Self.caseIndexByUser(split.trainUsers, userCount: dataset.userCount)!
        let validationIndex = Self.caseIndexByUser(split.validation.users, userCount: dataset.userCount)
        let testIndex = Self.caseIndexByUser(split.test.users, userCount: dataset.userCount)

        var train = Self.header
        for sequence in 0..<split.train.count {
            Self.appendRows(of: split.train, sequence: sequence, user: split.trainUsers[sequence], dataset: dataset,
                            to: &train)
        }
        try AtomicFile.write(Data(train.utf8), to: Self.path(directory, "train.tsv"))
        try writeTargets(split.validation, dataset: dataset, to: Self.path(directory, "validation.tsv"))
        try writeTargets(split.test, dataset: dataset, to: Self.path(directory, "test.tsv"))

        let validationFollowsRule = validationIndex != nil && (0..<split.validation.count).allSatisfy { index in
            Self.isInput(index, of: split.validation.inputs, trainRowsOf: trainIndex[Int(split.validation.users[index])],
                         in: split.train, then: nil)
        }
        let testFollowsRule = testIndex != nil && validationIndex != nil && (0..<split.test.count).allSatisfy { index in
            let user = Int(split.test.users[index])
            let validationCase = validationIndex![user]
            let validationTarget = validationCase < 0 ? nil
                : (split.validation.targets[validationCase], split.validation.targetTimes[validationCase])
            return Self.isInput(index, of: split.test.inputs, trainRowsOf: trainIndex[user], in: split.train,
                                then: validationTarget)
        }
        try writeInputs(of: split.validation, if: !validationFollowsRule, numbered: validationIndex == nil,
                        dataset: dataset, to: Self.path(directory, "validation_inputs.tsv"))
        try writeInputs(of: split.test, if: !testFollowsRule, numbered: testIndex == nil, dataset: dataset,
                        to: Self.path(directory, "test_inputs.tsv"))
    }

    static let header = "user_id\titem_id\ttimestamp\n"
    static let numberedHeader = "user_id\titem_id\ttimestamp\tcase\n"

    /// Writes one row per case: the target event.
    private func writeTargets(_ set: EvaluationSet, dataset: Dataset, to path: String) throws {
        var text = Self.header
        for index in 0..<set.count {
            Self.appendRow(user: set.users[index], item: set.targets[index], time: set.targetTimes[index],
                           dataset: dataset, to: &text)
        }
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    /// Writes the inputs of every case when `needed` (with the `case` column when `numbered`),
    /// else removes a stale file of that name.
    private func writeInputs(of set: EvaluationSet, if needed: Bool, numbered: Bool, dataset: Dataset,
                             to path: String) throws {
        guard needed else {
            guard FileManager.default.fileExists(atPath: path) else { return }
            do { try FileManager.default.removeItem(atPath: path) } catch {
                throw DataError.unwritable(file: path, reason: "cannot remove the stale file: \(error.localizedDescription)")
            }
            return
        }
        var text = numbered ? Self.numberedHeader : Self.header
        for index in 0..<set.count {
            Self.appendRows(of: set.inputs, sequence: index, user: set.users[index], dataset: dataset, to: &text,
                            caseNumber: numbered ? index : nil)
        }
        try AtomicFile.write(Data(text.utf8), to: path)
    }

    /// For each user, the index of its case in `users`, or -1; nil when a user has several.
    private static func caseIndexByUser(_ users: [Int32], userCount: Int) -> [Int]? {
        var index = [Int](repeating: -1, count: userCount)
        for (position, user) in users.enumerated() {
            guard index[Int(user)] < 0 else { return nil }
            index[Int(user)] = position
        }
        return index
    }

    /// Whether input `index` is training sequence `trainSequence` (none when -1) followed by `next`.
    private static func isInput(_ index: Int, of inputs: Sequences, trainRowsOf trainSequence: Int, in train: Sequences,
                                then next: (item: Int32, time: Timestamp)?) -> Bool {
        var expectedItems = trainSequence < 0 ? [] : Array(train[trainSequence])
        var expectedTimes = trainSequence < 0 ? [] : Array(train.times(trainSequence))
        if let next {
            expectedItems.append(next.item)
            expectedTimes.append(next.time)
        }
        return inputs[index].elementsEqual(expectedItems) && inputs.times(index).elementsEqual(expectedTimes)
    }

    private static func appendRows(of sequences: Sequences, sequence: Int, user: Int32, dataset: Dataset,
                                   to text: inout String, caseNumber: Int? = nil) {
        for position in sequences.range(of: sequence) {
            appendRow(user: user, item: sequences.itemStorage[position], time: sequences.timeStorage[position],
                      dataset: dataset, to: &text, caseNumber: caseNumber)
        }
    }

    private static func appendRow(user: Int32, item: Int32, time: Timestamp, dataset: Dataset, to text: inout String,
                                  caseNumber: Int? = nil) {
        text += dataset.users.name(of: user)
        text += "\t"
        text += dataset.items.name(of: item)
        text += "\t"
        text += String(time)
        if let caseNumber {
            text += "\t"
            text += String(caseNumber)
        }
        text += "\n"
    }

    private static func path(_ directory: String, _ name: String) -> String {
        URL(fileURLWithPath: directory).appendingPathComponent(name).path
    }
}
