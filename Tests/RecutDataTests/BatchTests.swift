import PropertyBased
import Testing
@testable import RecutData

/// Sequences given as item lists (times are positions), one user per sequence (user = 100 + index).
private func makeSequences(_ lists: [[Int32]]) -> (Sequences, [Int32]) {
    var sequences = Sequences()
    for list in lists { sequences.append(items: list, timestamps: list.indices.map { Timestamp($0) }) }
    return (sequences, lists.indices.map { Int32(100 + $0) })
}

@Test func trainingWindowsAreTheLastEventsRightAligned() {
    let (sequences, users) = makeSequences([[1, 2, 3, 4, 5, 6], [9], [7, 8]])
    let batcher = TrainingBatcher(sequences: sequences, users: users, batchSize: 4, length: 3, seed: 1)
    #expect(batcher.trainableSequences == [0, 2])
    let batch = batcher.batch(ofSequences: [0, 2] as [Int32])
    #expect(batch.batchSize == 2 && batch.length == 3 && batch.positionCount == 6)
    #expect(batch.inputs == [3, 4, 5, 0, 0, 7])
    #expect(batch.targets == [4, 5, 6, 0, 0, 8])
    #expect(batch.users == [100, 102])
    #expect(batch.mask == [true, true, true, false, false, true])
    #expect(batch.isTarget(row: 1, position: 2) && !batch.isTarget(row: 1, position: 1))
    #expect(batch.targetCount == 4)
}

@Test func trainingTargetsFollowTheirInputs() async {
    let lists = Gen.int(in: 1...20).map(Int32.init).array(of: 0...12).array(of: 1...10)
    await propertyCheck(input: lists, Gen.int(in: 1...8)) { lists, length in
        let (sequences, users) = makeSequences(lists)
        let batcher = TrainingBatcher(sequences: sequences, users: users, batchSize: 3, length: length, seed: 5)
        let rows = batcher.trainableSequences
        #expect(rows == lists.indices.filter { lists[$0].count >= 2 }.map(Int32.init))
        let batch = batcher.batch(ofSequences: rows)
        for (row, sequence) in rows.enumerated() {
            let items = lists[Int(sequence)]
            let window = min(items.count - 1, length)
            let inputs = batch.inputs[(row * length)..<((row + 1) * length)]
            let targets = batch.targets[(row * length)..<((row + 1) * length)]
            #expect(Array(inputs) == Array(repeating: 0, count: length - window) + items.dropLast().suffix(window))
            #expect(Array(targets) == Array(repeating: 0, count: length - window) + items.suffix(window))
            #expect(batch.users[row] == users[Int(sequence)])
        }
    }
}

@Test func epochsVisitEverySequenceOnceInASeededOrder() {
    let (sequences, users) = makeSequences((0..<50).map { [Int32($0 % 7 + 1), 2, Int32($0 + 1)] } + [[4]])
    let batcher = TrainingBatcher(sequences: sequences, users: users, batchSize: 8, length: 4, seed: 42)
    let epoch = batcher.batches(epoch: 3)
    #expect(epoch.count == 7 && batcher.batchCount == 7)
    #expect(epoch.map(\.batchSize) == [8, 8, 8, 8, 8, 8, 2])
    #expect(epoch.flatMap(\.users).sorted() == (0..<50).map { Int32(100 + $0) })
    #expect(epoch.order.sorted() == batcher.trainableSequences)

    let again = TrainingBatcher(sequences: sequences, users: users, batchSize: 8, length: 4, seed: 42)
    #expect(Array(again.batches(epoch: 3)) == Array(epoch))
    #expect(again.batches(epoch: 4).order != epoch.order)
    #expect(TrainingBatcher(sequences: sequences, users: users, batchSize: 8, length: 4, seed: 43)
        .batches(epoch: 3).order != epoch.order)
    #expect(epoch[6] == batcher.batch(ofSequences: epoch.order[48...]))
}

@Test func evaluationBatchesHoldTheLastInputEvents() {
    var set = EvaluationSet()
    set.append(user: 0, inputItems: [1, 2, 3, 4] as [Int32], inputTimes: [0, 1, 2, 3] as [Timestamp], target: 5, targetTime: 4)
    set.append(user: 3, inputItems: [6] as [Int32], inputTimes: [0] as [Timestamp], target: 7, targetTime: 1)
    set.append(user: 4, inputItems: [8, 9] as [Int32], inputTimes: [0, 1] as [Timestamp], target: 1, targetTime: 2)
    let batches = set.batches(batchSize: 2, length: 3)
    #expect(batches.count == 2)
    #expect(batches[0] == EvaluationBatch(batchSize: 2, length: 3, inputs: [2, 3, 4, 0, 0, 6], targets: [5, 7],
                                          cases: 0..<2))
    #expect(batches[1] == EvaluationBatch(batchSize: 1, length: 3, inputs: [0, 8, 9], targets: [1], cases: 2..<3))
}
