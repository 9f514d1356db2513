import Foundation
import Testing
import RecutCore

/// Sequences from plain item lists (timestamps are irrelevant to ranking).
private func sequences(_ lists: [[Int32]]) -> Sequences {
    var result = Sequences()
    for list in lists { result.append(items: list, timestamps: list.map { _ in 0 }) }
    return result
}

/// A scorer that copies fixed rows (one `[C + 1]` row per case, column 0 = padding).
private func fixedScorer(_ rows: [[Float]]) -> (Range<Int>, inout [Float]) -> Void {
    { cases, scores in scores = cases.flatMap { rows[$0] } }
}

/// The reference top list: `items` not scored -infinity, by score descending then id ascending (a full sort).
private func sortedBestFirst(_ items: [Int], scores: [Float]) -> [Int32] {
    let candidates: [Int] = items.filter { (item: Int) -> Bool in scores[item] > -Float.infinity }
    let sorted: [Int] = candidates.sorted { (a: Int, b: Int) -> Bool in
        scores[a] > scores[b] || (scores[a] == scores[b] && a < b)
    }
    return sorted.map { Int32($0) }
}

/// Each item's place in the popularity order of `train` (count desc, then lower id), found by a full
/// sort as the dense popularity scorer did; index 0 is unused.
private func densePopularityPlaces(train: Sequences, catalogSize: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: catalogSize + 1)
    for sequence in 0..<train.count { for item in train[sequence] { counts[Int(item)] += 1 } }
    let order = (1...catalogSize).sorted { counts[$0] > counts[$1] || (counts[$0] == counts[$1] && $0 < $1) }
    var places = [Int](repeating: 0, count: catalogSize + 1)
    for (place, item) in order.enumerated() { places[item] = place }
    return places
}

private func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }

@Suite struct MetricsTests {
    // C = 5, no masking, two cases; the padding column holds 99 and must never count.
    // Case A: scores 1:0.1 2:0.9 3:0.5 4:0.7 5:0.3, target 4 (0.7). Only item 2 is above -> rank 1.
    //         Top list 2,4,3,5,1.
    // Case B: scores 1:0.8 2:0.1 3:0.2 4:0.3 5:0.4, target 3 (0.2). Items 1,5,4 are above -> rank 3.
    //         Top list 1,5,4,3,2.
    @Test func handWorkedMetrics() {
        let evaluator = FullRankingEvaluator(catalogSize: 5, ks: [1, 3, 5], maskInputItems: false)
        let rows: [[Float]] = [[99, 0.1, 0.9, 0.5, 0.7, 0.3], [99, 0.8, 0.1, 0.2, 0.3, 0.4]]
        let metrics = evaluator.evaluate(inputs: sequences([[1], [2]]), targets: [4, 3], batchSize: 2,
                                         scorer: fixedScorer(rows))
        #expect(metrics.count == 2)
        // @1: neither rank is < 1.
        #expect(metrics.hitRate(at: 1) == 0 && metrics.ndcg(at: 1) == 0 && metrics.mrr(at: 1) == 0)
        // @3: only A (rank 1) hits. HR = 1/2; NDCG = (1/log2(3) + 0)/2 = 0.6309297535714575/2; MRR = (1/2)/2.
        #expect(metrics.hitRate(at: 3) == 0.5)
        #expect(close(metrics.ndcg(at: 3), 0.31546487678572877))
        #expect(metrics.mrr(at: 3) == 0.25)
        // @5: both hit. NDCG = (1/log2(3) + 1/log2(5))/2 = (0.6309297535714575 + 0.43067655807339306)/2;
        // MRR = (1/2 + 1/4)/2 = 0.375.
        #expect(metrics.hitRate(at: 5) == 1)
        #expect(close(metrics.ndcg(at: 5), 0.5308031558224253))
        #expect(metrics.mrr(at: 5) == 0.375)
        // Coverage: top-1 {2} u {1} = 2 items; top-2 {2,4} u {1,5} = 4; top-3 adds 3 -> all 5.
        #expect(metrics.coverage(at: 1) == 0.4)
        #expect(metrics.coverage(at: 2) == 0.8)
        #expect(metrics.coverage(at: 3) == 1)
        #expect(metrics.summary["hr@3"] == 0.5 && metrics.summary["mrr@5"] == 0.375)
        #expect(metrics.summary["coverage@1"] == 0.4 && metrics.summary.count == 12)
    }

    // Scores 1:0.9 2:0.8 3:0.7 4:0.6 5:0.5, padding 7. Input [1, 2, 4], target 4 (0.6), which is in the input.
    // Unmasked: items 1,2,3 are above -> rank 3. Masked: 1 and 2 become -inf, the target keeps 0.6,
    // only 3 is above -> rank 1, and the top list is 3,4,5 (masked items are never recommended).
    @Test func maskingRemovesInputItemsButKeepsTarget() {
        let rows: [[Float]] = [[7, 0.9, 0.8, 0.7, 0.6, 0.5]]
        let inputs = sequences([[1, 2, 4]])
        let plain = FullRankingEvaluator(catalogSize: 5, ks: [1, 2, 5], maskInputItems: false)
            .evaluate(inputs: inputs, targets: [4], batchSize: 1, scorer: fixedScorer(rows))
        #expect(plain.hitRate(at: 2) == 0 && plain.mrr(at: 5) == 0.25)  // rank 3: 1/(3+1)
        #expect(plain.coverage(at: 5) == 1)
        let masked = FullRankingEvaluator(catalogSize: 5, ks: [1, 2, 5], maskInputItems: true)
            .evaluate(inputs: inputs, targets: [4], batchSize: 1, scorer: fixedScorer(rows))
        #expect(masked.hitRate(at: 1) == 0 && masked.hitRate(at: 2) == 1 && masked.mrr(at: 5) == 0.5)  // rank 1
        #expect(masked.coverage(at: 1) == 0.2)  // {3}
        #expect(masked.coverage(at: 5) == 0.6)  // {3, 4, 5}
    }

    // Scores 1:0.2 2:0.2 3:0.2 4:0.1 5:0.0. Target 2 ties with 1 and 3: nothing is strictly above -> rank 0.
    // Target 4: items 1,2,3 are above -> rank 3. Ties go to the lower id, so every top-1 list is [1].
    @Test func tiesCountOnlyStrictlyGreaterScores() {
        let row: [Float] = [0, 0.2, 0.2, 0.2, 0.1, 0.0]
        let metrics = FullRankingEvaluator(catalogSize: 5, ks: [1, 4], maskInputItems: false)
            .evaluate(inputs: sequences([[], []]), targets: [2, 4], batchSize: 2, scorer: fixedScorer([row, row]))
        #expect(metrics.hitRate(at: 1) == 0.5)  // only the rank-0 case
        #expect(metrics.mrr(at: 4) == 0.625)  // (1/1 + 1/4)/2
        #expect(metrics.coverage(at: 1) == 0.2)  // {1}
        #expect(metrics.coverage(at: 4) == 0.8)  // {1,2,3,4}
    }

    // A target scored NaN or infinite ranks below every item (rank 5 of 5): a miss at every cutoff,
    // masked or not, whatever the other scores, so a diverged model never looks good.
    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteTargetIsAMiss(_ targetScore: Float) {
        for masking in [false, true] {
            let evaluator = FullRankingEvaluator(catalogSize: 5, ks: [1, 5], maskInputItems: masking)
            let rows: [[Float]] = [[0, 0.1, 0.2, targetScore, 0.4, 0.5], [Float](repeating: targetScore, count: 6)]
            let metrics = evaluator.evaluate(inputs: sequences([[1], [2]]), targets: [3, 3], batchSize: 2,
                                             scorer: fixedScorer(rows))
            #expect(metrics.ndcg(at: 5) == 0 && metrics.hitRate(at: 5) == 0 && metrics.mrr(at: 5) == 0, "masking \(masking)")
            let rankings = evaluator.rankings(inputs: sequences([[1], [2]]), targets: [3, 3], batchSize: 2,
                                              scorer: fixedScorer(rows))
            #expect(rankings.ranks == [5, 5])
        }
    }

    @Test func mergingEqualsOneAccumulator() {
        var generator = SplitMix64(seed: 11)
        var whole = RankingMetrics(ks: [1, 5, 20], catalogSize: 50)
        var first = whole, second = whole
        for index in 0..<300 {
            let rank = generator.next(below: 40)
            let top = (0..<20).map { _ in Int32(1 + generator.next(below: 50)) }
            whole.add(rank: rank, topItems: top)
            if index % 3 == 0 { first.add(rank: rank, topItems: top) } else { second.add(rank: rank, topItems: top) }
        }
        #expect(first.merged(with: second) == whole)
        #expect(second.merged(with: first).summary == whole.summary)
        let decoded = try? JSONDecoder().decode(RankingMetrics.self, from: JSONEncoder().encode(whole))
        #expect(decoded == whole)
    }

    @Test func resultDoesNotDependOnBatchSize() {
        let lists: [[Int32]] = (0..<37).map { (index: Int) -> [Int32] in
            (0..<(index % 6)).map { (position: Int) -> Int32 in Int32(1 + (position * 7 + index) % 30) }
        }
        let inputs = sequences(lists)
        let targets = (0..<37).map { Int32(1 + ($0 * 13) % 30) }
        let evaluator = FullRankingEvaluator(catalogSize: 30, ks: [1, 10], maskInputItems: true)
        let scorer = RandomScorer(seed: 5)
        let reference = evaluator.evaluate(inputs: inputs, targets: targets, batchSize: 37, scorer: scorer.scorer)
        for batchSize in [1, 4, 100] {
            #expect(evaluator.evaluate(inputs: inputs, targets: targets, batchSize: batchSize, scorer: scorer.scorer) == reference)
        }
    }

    // Training counts: item 1:1, 2:3, 3:3, 4:0, 5:1. Order (count desc, id asc): 2,3,1,5,4, so the
    // shared top-2 list is 2,3.
    @Test func popularityBaselineOnHandData() {
        let popularity = PopularityRanking(train: sequences([[1, 2, 2, 3], [2, 3, 5], [3]]), catalogSize: 5)
        #expect(popularity.counts == [0, 1, 3, 3, 0, 1])
        #expect(popularity.order == [2, 3, 1, 5, 4])
        #expect(popularity.places == [0, 2, 0, 1, 4, 3])
        let inputs = sequences([[2], [2, 3], [1, 2]])
        let targets: [Int32] = [3, 4, 5]
        // Unmasked ranks: 3 -> 1 (item 2 wins the tie by id), 4 -> 4, 5 -> 3.
        let plain = popularity.evaluate(inputs: inputs, targets: targets, ks: [1, 2, 5], maskInputItems: false)
        #expect(plain.hitRate(at: 1) == 0)
        #expect(plain.hitRate(at: 2) == 1.0 / 3)
        #expect(close(plain.ndcg(at: 2), 0.6309297535714575 / 3))
        #expect(close(plain.mrr(at: 5), (1.0 / 2 + 1.0 / 5 + 1.0 / 4) / 3))
        #expect(plain.coverage(at: 2) == 0.4)
        // Masked ranks: case 0 masks 2 -> target 3 rank 0; case 1 masks 2,3 -> items 1,5 above 4 -> rank 2;
        // case 2 masks 1,2 -> item 3 above 5 -> rank 1. Top-1 lists [3], [1], [3].
        let masked = popularity.evaluate(inputs: inputs, targets: targets, ks: [1, 2, 5], maskInputItems: true)
        #expect(masked.hitRate(at: 1) == 1.0 / 3)
        #expect(masked.hitRate(at: 2) == 2.0 / 3)
        #expect(close(masked.mrr(at: 5), 11.0 / 18))  // (1 + 1/3 + 1/2)/3
        #expect(masked.coverage(at: 1) == 0.4)
        let rankings = popularity.rankings(inputs: inputs, targets: targets, topCount: 2, maskInputItems: true)
        #expect(rankings.ranks == [0, 2, 1] && rankings.topItems == [3, 1, 1, 5, 3, 5])
    }

    // The exact baseline against today's dense one: FullRankingEvaluator over the scores "place from
    // the bottom of the popularity order" (count desc, then lower id). Few training events over small
    // catalogs make many equal counts; inputs repeat items, hold the target, padding, or nothing.
    @Test func popularityRankingEqualsDenseEvaluation() {
        var generator = SplitMix64(seed: 17)
        var tiedCounts = 0
        for trial in 0..<40 {
            let catalogSize = trial < 30 ? 1 + generator.next(below: 50) : 500 + generator.next(below: 1500)
            let caseCount = trial < 30 ? 1 + generator.next(below: 40) : 300
            func item() -> Int32 { Int32(1 + generator.next(below: catalogSize)) }
            let train = sequences((0..<generator.next(below: 20)).map { _ in
                (0..<generator.next(below: catalogSize / 2 + 8)).map { _ in item() }
            })
            let targets = (0..<caseCount).map { _ in item() }
            let inputs = sequences(targets.map { target in
                (0..<generator.next(below: 12)).map { _ -> Int32 in
                    switch generator.next(below: 10) {
                    case 0: target
                    case 1: 0
                    default: item()
                    }
                }
            })
            let popularity = PopularityRanking(train: train, catalogSize: catalogSize)
            let counts = popularity.counts.dropFirst()
            tiedCounts += counts.count - Set(counts).count
            let place = densePopularityPlaces(train: train, catalogSize: catalogSize)
            let denseRow: [Float] = [0] + (1...catalogSize).map { Float(catalogSize - place[$0]) }
            let ks = [1, 3, 10, 64]
            for masking in [false, true] {
                let evaluator = FullRankingEvaluator(catalogSize: catalogSize, ks: ks, maskInputItems: masking)
                let dense = evaluator.evaluate(inputs: inputs, targets: targets, batchSize: 16) { cases, scores in
                    scores = cases.flatMap { _ in denseRow }
                }
                let exact = popularity.evaluate(inputs: inputs, targets: targets, ks: ks, maskInputItems: masking)
                #expect(exact == dense)
                for k in ks {
                    #expect(exact.ndcg(at: k) == dense.ndcg(at: k) && exact.hitRate(at: k) == dense.hitRate(at: k))
                    #expect(exact.mrr(at: k) == dense.mrr(at: k) && exact.coverage(at: k) == dense.coverage(at: k))
                }
                let denseRankings = evaluator.rankings(inputs: inputs, targets: targets, batchSize: 7) { cases, scores in
                    scores = cases.flatMap { _ in denseRow }
                }
                #expect(popularity.rankings(inputs: inputs, targets: targets, topCount: 64, maskInputItems: masking)
                        == denseRankings)
            }
        }
        #expect(tiedCounts > 1000)
    }

    // Random scores put the target uniformly among C places: HR@k has mean k/C and, over n cases,
    // standard deviation sqrt(p(1-p)/n) (0.0049 for k=10, 0.0097 for k=50 with C=200, n=2000); allow 5 sigma.
    @Test func randomBaselineHitRateIsAboutKOverC() {
        let caseCount = 2000, catalogSize = 200
        let targets = (0..<caseCount).map { Int32(1 + $0 % catalogSize) }
        let evaluator = FullRankingEvaluator(catalogSize: catalogSize, ks: [10, 50], maskInputItems: false)
        let random = RandomScorer(seed: 42)
        let metrics = evaluator.evaluate(inputs: Sequences(offsets: [Int](repeating: 0, count: caseCount + 1)),
                                         targets: targets, batchSize: 256, scorer: random.scorer)
        #expect(abs(metrics.hitRate(at: 10) - 0.05) < 5 * 0.0049)
        #expect(abs(metrics.hitRate(at: 50) - 0.25) < 5 * 0.0097)
        #expect(metrics.coverage(at: 10) == 1)  // 2000 random top-10 lists cover all 200 items
        var first = [Float](repeating: 0, count: 3 * 201), second = first
        random.score(cases: 5..<8, into: &first)
        RandomScorer(seed: 42).score(cases: 5..<8, into: &second)
        #expect(first == second && Set(first).count > 500 && first.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    // Scores drawn from few levels (many ties) plus -infinity; the selector must agree with a full sort
    // by (score desc, id asc) without the -infinity items, whatever the order items are offered in.
    @Test func topItemSelectionEqualsFullSort() {
        var generator = SplitMix64(seed: 3)
        for capacity in [1, 3, 10, 64] {
            var selector = TopItemSelector(capacity: capacity)
            for _ in 0..<50 {
                let itemCount = 1 + generator.next(below: 40)
                let scores: [Float] = (0..<itemCount).map { _ in
                    generator.next(below: 8) == 0 ? -.infinity : Float(generator.next(below: 6))
                }
                let expected = Array(sortedBestFirst(Array(0..<itemCount), scores: scores).prefix(capacity))
                var order = Array(0..<itemCount)
                order.shuffle(using: &generator)
                for item in order { selector.offer(item: Int32(item), score: scores[item]) }
                #expect(selector.drainBestFirst { Array($0) } == expected)
                #expect(selector.count == 0)
            }
        }
    }

    // The evaluator's ranks agree with a brute-force count on random tied scores (rank r <=> MRR term 1/(r+1)).
    @Test func evaluatorRanksMatchBruteForce() {
        var generator = SplitMix64(seed: 9)
        let catalogSize = 25, caseCount = 40
        let rows: [[Float]] = (0..<caseCount).map { _ in (0...catalogSize).map { _ in Float(generator.next(below: 5)) } }
        let inputs = sequences((0..<caseCount).map { _ in (0..<generator.next(below: 5)).map { _ in Int32(1 + generator.next(below: catalogSize)) } })
        let targets = (0..<caseCount).map { _ in Int32(1 + generator.next(below: catalogSize)) }
        for masking in [false, true] {
            var expected = RankingMetrics(ks: [1, 10, catalogSize], catalogSize: catalogSize)
            for caseIndex in 0..<caseCount {
                var row = rows[caseIndex]
                let target = Int(targets[caseIndex])
                if masking { for item in inputs[caseIndex] where Int(item) != target { row[Int(item)] = -.infinity } }
                let rank = (1...catalogSize).filter { row[$0] > row[target] }.count
                expected.add(rank: rank, topItems: sortedBestFirst(Array(1...catalogSize), scores: row))
            }
            let metrics = FullRankingEvaluator(catalogSize: catalogSize, ks: [1, 10, catalogSize], maskInputItems: masking)
                .evaluate(inputs: inputs, targets: targets, batchSize: 7, scorer: fixedScorer(rows))
            #expect(metrics == expected)
        }
    }
}
