import RecutCPU
import RecutCore
import RecutData
import Testing
@testable import RecutTrain

/// `ModelRanking.evaluate` (hidden states gathered over several forwards, ranked by `rankCatalog`)
/// against `FullRankingEvaluator` over the model's dense scores.
@Suite struct ModelRankingTests {
    // 4100 cases, forwards of 1000: two rankCatalog calls (4000 and 100 cases) of five forwards' states.
    @Test func gatheredRankingMatchesDenseScores() {
        let catalogSize = 60, length = 6, batch = 1000, caseCount = 4100
        let configuration = SASRecConfiguration(catalogSize: catalogSize, maxLength: length, dimension: 8, blocks: 1,
                                                dropout: 0, initialStandardDeviation: 0.5)
        let ranking = ModelRanking(model: SASRec(configuration: configuration, backend: CPUBackend(), maximumBatch: batch,
                                                 seed: 7))
        #expect(ranking.casesPerRanking == 4000)
        var generator = SplitMix64(seed: 12)
        var set = EvaluationSet()
        for user in 0..<caseCount {
            let inputs = (0..<(1 + generator.next(below: 10))).map { _ in Int32(1 + generator.next(below: catalogSize)) }
            set.append(user: Int32(user), inputItems: inputs, inputTimes: inputs.map { _ in 0 },
                       target: Int32(1 + generator.next(below: catalogSize)), targetTime: 0)
        }
        let batches = set.batches(batchSize: batch, length: length)
        let ks = [1, 5, 20]
        let both = ranking.evaluateUnmaskedAndMasked(set, ks: ks)
        for (masking, metrics) in [(false, both.unmasked), (true, both.masked)] {
            let dense = FullRankingEvaluator(catalogSize: catalogSize, ks: ks, maskInputItems: masking)
                .evaluate(inputs: set.inputs, targets: set.targets, batchSize: batch) { cases, scores in
                    let rows = batches[cases.lowerBound / batch]
                    scores = ranking.score(inputs: rows.inputs, rows: rows.batchSize)
                }
            #expect(metrics.count == caseCount && metrics.hitRate(at: 20) > 0)
            #expect(metrics == dense)
            #expect(ranking.evaluate(set, ks: ks, maskInputItems: masking) == metrics)
        }
        #expect(both.masked != both.unmasked)
    }
}
