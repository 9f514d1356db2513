import RecutCPU
import RecutCore
import RecutData
import Testing
@testable import RecutTrain

@Suite struct SequentialityCheckTests {
    /// The synthetic data's items follow hidden paths, so order carries signal: the model trained
    /// on shuffled sequences must do worse than the one trained in time order.
    @Test func shufflingHurtsOnSequentialSyntheticData() throws {
        let config = TrainingLearnsTests.config
        let dataset = try DatasetLoader.load(config).dataset
        let dataSplit = try split(dataset, strategy: .leaveOneOut)
        let result = try SequentialityCheck.run(config: config, dataset: dataset, split: dataSplit,
                                                splitName: "leave-one-out", backend: CPUBackend())
        #expect(result.testCases == dataSplit.test.count && result.epochs == 6)
        #expect(result.ndcgAt10 > result.popularityNDCGAt10)
        #expect(result.shuffledNDCGAt10 < result.ndcgAt10)
        #expect(result.shuffledToOrderedRatio == result.shuffledNDCGAt10 / result.ndcgAt10)
    }

    /// Shuffling permutes each training sequence and the same events at the start of the user's
    /// evaluation inputs; targets and the input events after the training part stay.
    @Test func shufflingKeepsTargetsAndEveryUsersEvents() throws {
        var config = TrainingConfig()
        config.syntheticUsers = 50
        config.syntheticItems = 40
        config.syntheticMeanLength = 12
        let dataset = try DatasetLoader.load(config).dataset
        for strategy in [SplitStrategy.leaveOneOut, .temporal(.quantile(0.8))] {
            let original = try split(dataset, strategy: strategy, rules: SplitRules(target: .all))
            let shuffled = original.shufflingTrainingOrder(of: dataset, seed: 1)
            #expect(shuffled.test.targets == original.test.targets && shuffled.validation.targets == original.validation.targets)
            #expect(shuffled.trainUsers == original.trainUsers)
            var moved = 0
            for index in 0..<original.train.count {
                #expect(shuffled.train[index].sorted() == original.train[index].sorted())
                if shuffled.train[index] != original.train[index] { moved += 1 }
            }
            #expect(moved > original.train.count / 2)
            var trainOf: [Int32: ArraySlice<Int32>] = [:]
            for index in 0..<shuffled.train.count { trainOf[shuffled.trainUsers[index]] = shuffled.train[index] }
            for set in [(shuffled.test, original.test), (shuffled.validation, original.validation)] {
                for index in 0..<set.0.count {
                    let prefix = trainOf[set.0.users[index]] ?? []
                    #expect(set.0.inputs[index].starts(with: prefix))
                    #expect(set.0.inputs[index].dropFirst(prefix.count).elementsEqual(set.1.inputs[index].dropFirst(prefix.count)))
                }
            }
        }
    }
}
