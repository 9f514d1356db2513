import RecutCore
import RecutData

/// The `sampleNegatives` check of the selftest: the subject must draw exactly the ids of the
/// CPU twin (`NegativeSampler.ids`), for both distributions, every granularity and collision policy.
extension BackendSelftest {
    /// The error is the fraction of differing ids; outputs are poisoned with -1 first.
    func checkNegativeSampling(_ lossSubject: any LossBackend) {
        let catalogSize = 50_000, batchSize = 8, length = 50, count = 300
        let positions = batchSize * length
        // Targets from a small range so that every group holds collisions; some padding.
        let targets = (0..<positions).map { _ -> Int32 in
            generator.next() % 7 == 0 ? 0 : Int32(1 + Int(generator.next() % 40))
        }
        let counts = [0] + (1...catalogSize).map { item in item <= 40 ? 50_000 : Int(generator.next() % 5) }
        let seed = generator.next(), step = Int(generator.next() % 1_000_000)
        for distribution in [SamplingDistribution.uniform, .popularity(counts: counts)] {
            guard let sampler = try? NegativeSampler(catalogSize: catalogSize, distribution: distribution, seed: seed) else {
                preconditionFailure("the selftest's sampler settings are valid")
            }
            for granularity in NegativeGranularity.allCases {
                let perGroup = granularity.layout(batchSize: batchSize, length: length, count: count).positionsPerGroup
                for collisions in CollisionPolicy.allCases {
                    let groups = DeviceNegativeSampler.groupCount(positions: positions, positionsPerGroup: perGroup)
                    var outputs: [[Int32]] = []
                    for backend in [lossSubject, reference as any LossBackend] {
                        let ids = backend.upload([Int32](repeating: -1, count: groups * count), shape: [groups, count])
                        backend.sampleNegatives(ids, targets: backend.upload(targets, shape: [positions]),
                                                sampler: DeviceNegativeSampler(sampler, on: backend), step: step,
                                                positions: positions, positionsPerGroup: perGroup, count: count,
                                                collisions: collisions)
                        outputs.append(backend.download(ids))
                    }
                    let differing = zip(outputs[0], outputs[1]).filter { $0 != $1 }.count
                    results.append(SelftestResult(
                        operation: "sampleNegatives \(sampler.isPopularity ? "popularity" : "uniform") \(granularity.rawValue) "
                            + "\(collisions.rawValue) \(groups)x\(count)",
                        error: Double(differing) / Double(outputs[1].count), threshold: 0))
                }
            }
        }
    }
}
