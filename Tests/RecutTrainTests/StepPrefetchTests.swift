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
        let sampling = NegativeSampling(
            sampler: try NegativeSampler(catalogSize: dataset.itemCount, distribution: .uniform, seed: 3),
            count: 4, granularity: .perPosition, collisions: config.collisions)
        let epoch = batcher.batches(epoch: 1)
        let prefetcher = StepPrefetcher(sampling: sampling)
        let first = StepInputs.Key(epoch: 1, batchIndex: 1, step: 5)
        let second = StepInputs.Key(epoch: 1, batchIndex: 2, step: 6)

        prefetcher.prefetch(first, of: epoch)
        let prefetched = prefetcher.take(first, of: epoch)
        let inPlace = StepInputs(key: first, epoch: epoch, sampling: sampling)
        #expect(prefetched.batch == inPlace.batch)
        #expect(prefetched.negativeIDs == inPlace.negativeIDs)
        #expect(prefetched.negativeShape == [epoch[1].positionCount, 4])

        prefetcher.prefetch(first, of: epoch)
        let mismatched = prefetcher.take(second, of: epoch)
        #expect(mismatched.key == second)
        #expect(mismatched.negativeIDs == StepInputs(key: second, epoch: epoch, sampling: sampling).negativeIDs)
        #expect(mismatched.negativeIDs != inPlace.negativeIDs)
    }
}
