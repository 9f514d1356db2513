import RecutData
import Testing
@testable import RecutTrain

@Suite struct StepPrefetchTests {
    /// Prefetching only moves where the step inputs are prepared, never what they are.
    @Test func prefetchingGivesBitwiseTheWeightsOfPreparingInPlace() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var weights: [[NamedTensor]] = []
        for prefetches in [false, true] {
            let trainer = try ResumeTests.trainer(ResumeTests.config, output: directory.path + "/\(prefetches)")
            trainer.prefetchesSteps = prefetches
            _ = try trainer.run()
            weights.append(trainer.weights)
        }
        #expect(weights[0] == weights[1])
    }

    /// A prefetched step equals the same step prepared on the spot, and a take whose key was
    /// not prefetched (a resumed run's first step) prepares it in place.
    @Test func takeReturnsTheInputsOfItsKeyWhateverWasPrefetched() throws {
        let config = ResumeTests.config
        let dataset = try DatasetLoader.load(config).dataset
        let dataSplit = try split(dataset, strategy: config.split)
        let batcher = TrainingBatcher(split: dataSplit, batchSize: 16, length: 10, seed: 7)
        let epoch = batcher.batches(epoch: 1)
        let prefetcher = StepPrefetcher()
        let first = StepInputs.Key(epoch: 1, batchIndex: 1, step: 5)
        let second = StepInputs.Key(epoch: 1, batchIndex: 2, step: 6)

        prefetcher.prefetch(first, of: epoch)
        let prefetched = prefetcher.take(first, of: epoch)
        #expect(prefetched.key == first)
        #expect(prefetched.batch == StepInputs(key: first, epoch: epoch).batch)

        prefetcher.prefetch(first, of: epoch)
        let mismatched = prefetcher.take(second, of: epoch)
        #expect(mismatched.key == second)
        #expect(mismatched.batch == epoch[2])
        #expect(mismatched.batch != prefetched.batch)
    }
}
