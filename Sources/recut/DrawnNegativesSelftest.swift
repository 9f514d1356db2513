import RecutCore
import RecutData

/// The check of per-position `cce-` with drawn negatives: the subject regenerates the ids from
/// the counter inside its passes, the reference reads the ids the host sampler draws
/// (`NegativeSampler.ids`), so the check covers the regeneration and the passes together.
extension BackendSelftest {
    func checkDrawnNegatives(_ fusedSubject: any FusedLossBackend) {
        let sizes = LossCheckSizes.passes
        let counts = [0] + (1...sizes.catalog).map { _ in Int(generator.next() % 20) } // zero counts included
        for (distribution, dtype) in [(SamplingDistribution.uniform, DType.float32),
                                      (.popularity(counts: counts), .bfloat16)] {
            guard let sampler = try? NegativeSampler(catalogSize: sizes.catalog, distribution: distribution,
                                                     seed: generator.next()) else {
                preconditionFailure("the selftest's sampler settings are valid")
            }
            var inputs = lossInputs(sizes, granularity: .perPosition, logQ: .perItem, filtering: false, dtype: dtype)
            guard let negatives = inputs.negatives else { preconditionFailure("per-position inputs have negatives") }
            let step = Int(generator.next() % 100_000)
            let targets: [Int32] = reference.download(inputs.targets.reference)
            let ids = targets.withUnsafeBufferPointer {
                sampler.ids(count: sizes.negatives, targets: $0, positionsPerGroup: 1, resampling: false, step: step)
            }
            inputs.negatives = (
                SampledNegatives(drawnBy: DeviceNegativeSampler(sampler, on: subject), step: step,
                                 count: sizes.negatives, logQ: negatives.subject.logQ),
                SampledNegatives(ids: reference.upload(ids, shape: [sizes.rows, sizes.negatives]),
                                 granularity: .perPosition, logQ: negatives.reference.logQ))
            inputs.sampling += sampler.isPopularity ? ", drawn by popularity" : ", drawn uniformly"
            checkLogSumExpPasses(fusedSubject, inputs, filtering: false, filterDType: dtype)
        }
    }
}
