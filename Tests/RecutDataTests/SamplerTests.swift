import Foundation
import Testing
@testable import RecutData

/// A batch with the given targets (B x L) and inputs of 1 wherever there is a target.
private func makeBatch(_ targets: [Int32], batchSize: Int, length: Int) -> TrainingBatch {
    TrainingBatch(batchSize: batchSize, length: length, inputs: targets.map { $0 == 0 ? 0 : 1 }, targets: targets,
                  users: (0..<batchSize).map(Int32.init))
}

private let smallBatch = makeBatch([0, 2, 3, 1, 0, 0, 4, 4], batchSize: 2, length: 4)

@Test func samplesAreReproducibleFromSeedAndStep() throws {
    for distribution in [SamplingDistribution.uniform, .popularity(counts: [0, 3, 1, 0, 7, 2])] {
        let sampler = try NegativeSampler(catalogSize: 5, distribution: distribution, seed: 11)
        let history = (0..<6).map { step in
            sampler.sample(count: 5, granularity: .perPosition, for: smallBatch, collisions: .keep, step: step)
        }
        let fresh = try NegativeSampler(catalogSize: 5, distribution: distribution, seed: 11)
        #expect(fresh.sample(count: 5, granularity: .perPosition, for: smallBatch, collisions: .keep, step: 5) == history[5])
        #expect(history[4] != history[5])
        let otherSeed = try NegativeSampler(catalogSize: 5, distribution: distribution, seed: 12)
        #expect(otherSeed.sample(count: 5, granularity: .perPosition, for: smallBatch, collisions: .keep, step: 5)
            != history[5])
    }
}

@Test func samplesStayInTheCatalog() throws {
    for distribution in [SamplingDistribution.uniform, .popularity(counts: [9, 1, 1, 1, 1, 1, 1, 1])] {
        let sampler = try NegativeSampler(catalogSize: 7, distribution: distribution, seed: 3)
        let negatives = sampler.sample(count: 5000, granularity: .perBatch, for: smallBatch, collisions: .keep, step: 0)
        #expect(negatives.ids.allSatisfy { (1...7).contains($0) })
        #expect(Set(negatives.ids) == Set(1...7))
    }
}

/// Pearson's chi-square statistic of observed item frequencies against the expected weights.
private func chiSquare(_ ids: [Int32], weights: [Int]) -> Double {
    var observed = [Int](repeating: 0, count: weights.count)
    for id in ids { observed[Int(id)] += 1 }
    let total = Double(weights.dropFirst().reduce(0, +))
    return weights.indices.dropFirst().filter { weights[$0] > 0 }.reduce(0.0) { sum, item in
        let expected = Double(ids.count) * Double(weights[item]) / total
        return sum + pow(Double(observed[item]) - expected, 2) / expected
    }
}

@Test func popularityFrequenciesMatchTheCounts() throws {
    // Zipf-like counts with zero-count items mixed in: those must never be drawn.
    let counts = [5] + (1...40).map { $0 % 7 == 0 ? 0 : 400 / $0 }
    let sampler = try NegativeSampler(catalogSize: 40, distribution: .popularity(counts: counts), seed: 2024)
    let ids = sampler.sample(count: 200_000, granularity: .perBatch, for: smallBatch, collisions: .keep, step: 9).ids
    #expect(ids.allSatisfy { counts[Int($0)] > 0 })
    // 34 items with a positive count: 33 degrees of freedom, mean 33, sd ~8.1; 75 is p < 1e-5.
    #expect(chiSquare(ids, weights: counts) < 75)
    let uniform = try NegativeSampler(catalogSize: 40, distribution: .uniform, seed: 2024)
    let uniformIds = uniform.sample(count: 200_000, granularity: .perBatch, for: smallBatch, collisions: .keep, step: 9).ids
    #expect(chiSquare(uniformIds, weights: [0] + Array(repeating: 1, count: 40)) < 85)
}

@Test func shapesFollowTheGranularity() throws {
    let sampler = try NegativeSampler(catalogSize: 9, distribution: .uniform, seed: 1)
    let expected: [NegativeGranularity: [Int]] = [.perPosition: [8, 3], .perSequence: [2, 3], .perBatch: [3]]
    for granularity in NegativeGranularity.allCases {
        for collisions in CollisionPolicy.allCases {
            let negatives = sampler.sample(count: 3, granularity: granularity, for: smallBatch, collisions: collisions, step: 0)
            #expect(negatives.shape == expected[granularity])
            #expect(negatives.ids.count == negatives.shape.reduce(1, *) && negatives.count == 3)
            #expect(negatives.granularity == granularity)
            #expect(negatives.valid?.count == (collisions == .mask ? 8 * 3 : nil))
        }
    }
}

@Test func resampleAvoidsTheTargetsThatShareTheNegatives() throws {
    let sampler = try NegativeSampler(catalogSize: 6, distribution: .popularity(counts: [0, 1, 9, 9, 9, 1, 1]), seed: 8)
    for step in 0..<20 {
        let position = sampler.sample(count: 6, granularity: .perPosition, for: smallBatch, collisions: .resample, step: step)
        for n in 0..<8 where smallBatch.targets[n] != 0 {
            #expect(!position.ids[(n * 6)..<((n + 1) * 6)].contains(smallBatch.targets[n]))
        }
        let sequence = sampler.sample(count: 6, granularity: .perSequence, for: smallBatch, collisions: .resample, step: step)
        #expect(Set(sequence.ids[0..<6]).isDisjoint(with: [2, 3, 1]))
        #expect(Set(sequence.ids[6..<12]).isDisjoint(with: [4]))
        let batch = sampler.sample(count: 6, granularity: .perBatch, for: smallBatch, collisions: .resample, step: step)
        #expect(Set(batch.ids).isDisjoint(with: [1, 2, 3, 4]))
    }
    let kept = sampler.sample(count: 6, granularity: .perBatch, for: smallBatch, collisions: .keep, step: 0)
    #expect(!Set(kept.ids).isDisjoint(with: [1, 2, 3, 4]))
}

@Test func resampleKeepsDrawsWhenTheTargetsHoldAllTheMass() throws {
    let everything = makeBatch([1, 2, 1, 2], batchSize: 2, length: 2)
    let sampler = try NegativeSampler(catalogSize: 2, distribution: .uniform, seed: 4)
    for granularity in [NegativeGranularity.perSequence, .perBatch] {
        let negatives = sampler.sample(count: 10, granularity: granularity, for: everything, collisions: .resample, step: 0)
        #expect(negatives.ids.allSatisfy { (1...2).contains($0) })
    }
    let single = try NegativeSampler(catalogSize: 2, distribution: .popularity(counts: [0, 5, 0]), seed: 4)
    let negatives = single.sample(count: 4, granularity: .perPosition, for: everything, collisions: .resample, step: 0)
    #expect(negatives.ids.allSatisfy { $0 == 1 })
}

@Test func maskFlagsNegativesEqualToThePositionTarget() throws {
    let sampler = try NegativeSampler(catalogSize: 4, distribution: .uniform, seed: 5)
    for granularity in NegativeGranularity.allCases {
        let negatives = sampler.sample(count: 7, granularity: granularity, for: smallBatch, collisions: .mask, step: 1)
        let kept = sampler.sample(count: 7, granularity: granularity, for: smallBatch, collisions: .keep, step: 1)
        #expect(negatives.ids == kept.ids)
        let valid = try #require(negatives.valid)
        for position in 0..<8 {
            for k in 0..<7 {
                let row = switch granularity {
                case .perPosition: position
                case .perSequence: position / 4
                case .perBatch: 0
                }
                #expect(valid[position * 7 + k] == (negatives.ids[row * 7 + k] != smallBatch.targets[position]))
            }
        }
        #expect(valid.contains(false))
    }
}

@Test func logProbabilitiesAreThoseOfTheDistribution() throws {
    let uniform = try NegativeSampler(catalogSize: 8, distribution: .uniform, seed: 0)
    #expect(uniform.logProbability(of: 3) == -Float(log(8.0)))
    #expect(uniform.logProbabilities == [-.infinity] + Array(repeating: -Float(log(8.0)), count: 8))
    let popular = try NegativeSampler(catalogSize: 3, distribution: .popularity(counts: [100, 1, 0, 3]), seed: 0)
    #expect(popular.logProbabilities == [-.infinity, Float(log(0.25)), -.infinity, Float(log(0.75))])
    #expect(popular.logProbability(of: 3) == Float(log(0.75)))
}

@Test func popularityFromSequencesCountsEvents() {
    var sequences = Sequences()
    sequences.append(items: [1, 3, 3] as [Int32], timestamps: [0, 1, 2] as [Timestamp])
    sequences.append(items: [3] as [Int32], timestamps: [0] as [Timestamp])
    #expect(SamplingDistribution.popularity(in: sequences, catalogSize: 4) == .popularity(counts: [0, 1, 0, 3, 0]))
}

@Test func samplerRejectsBadDistributions() {
    #expect(throws: DataError.self) { try NegativeSampler(catalogSize: 0, distribution: .uniform, seed: 0) }
    #expect(throws: DataError.self) { try NegativeSampler(catalogSize: 2, distribution: .popularity(counts: [0, 1]), seed: 0) }
    #expect(throws: DataError.self) { try NegativeSampler(catalogSize: 2, distribution: .popularity(counts: [0, 1, -1]), seed: 0) }
    #expect(throws: DataError.self) { try NegativeSampler(catalogSize: 2, distribution: .popularity(counts: [4, 0, 0]), seed: 0) }
}

@Test func streamsDifferAcrossSeedsAndSteps() {
    var first = SplitMix64(seed: 1, stream: 0), again = SplitMix64(seed: 1, stream: 0)
    var otherStream = SplitMix64(seed: 1, stream: 1), otherSeed = SplitMix64(seed: 2, stream: 0)
    let value = first.next()
    #expect(value == again.next())
    #expect(value != otherStream.next() && value != otherSeed.next())
}

@Test func philoxMatchesTheRandom123KnownAnswers() {
    #expect(Philox.block(0, 0, 0, 0, key: 0, 0) == (0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8))
    #expect(Philox.block(.max, .max, .max, .max, key: .max, .max) == (0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD))
    #expect(Philox.block(0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344, key: 0xA409_3822, 0x299F_31D0)
        == (0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1))
}

@Test func drawsArePureFunctionsOfTheirCoordinates() throws {
    for distribution in [SamplingDistribution.uniform, .popularity(counts: [0, 3, 1, 0, 7, 2])] {
        let sampler = try NegativeSampler(catalogSize: 5, distribution: distribution, seed: 0xDEAD_BEEF_0123)
        let negatives = sampler.sample(count: 9, granularity: .perPosition, for: smallBatch, collisions: .keep, step: 7)
        for group in 0..<8 {
            for slot in 0..<9 {
                #expect(negatives.ids[group * 9 + slot] == sampler.draw(group: group, slot: slot, step: 7))
            }
        }
        #expect(sampler.draw(group: 1, slot: 2, step: 7, attempt: 1) != sampler.draw(group: 1, slot: 2, step: 7)
            || sampler.draw(group: 1, slot: 3, step: 7, attempt: 1) != sampler.draw(group: 1, slot: 3, step: 7))
    }
}
