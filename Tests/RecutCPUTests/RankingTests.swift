import Testing
import RecutCore
import RecutCPU

/// The CPU `rankCatalog` twin against `FullRankingEvaluator` on the same scores.
///
/// Hidden states and item rows hold quarters in -1...1, so every dot product is exact in
/// float32 whatever the summation order: ranks and top lists must match bit for bit, and the
/// many tied scores exercise the tie rules (strictly greater counts; lower id first).
@Suite struct RankingTests {
    struct Case {
        var users: Int
        var catalogSize: Int
        var dimension: Int
        var topCount: Int
        /// Whether the unmasked and the masked ranking are asked for (at least one).
        var unmasked: Bool
        var masked: Bool
    }

    /// Random quarter-grid values; about one user in eight gets a NaN hidden state (all scores NaN).
    static func data(_ setting: Case, seed: UInt64) -> (hidden: [Float], table: [Float], targets: [Int32], inputs: [[Int32]]) {
        var generator = SplitMix64(seed: seed)
        func quarter() -> Float { Float(Int(generator.next() % 9) - 4) / 4 }
        var hidden = (0..<setting.users * setting.dimension).map { _ in quarter() }
        let table = (0..<(setting.catalogSize + 1) * setting.dimension).map { _ in quarter() }
        let targets = (0..<setting.users).map { _ in Int32(1 + Int(generator.next() % UInt64(setting.catalogSize))) }
        let inputs = (0..<setting.users).map { user -> [Int32] in
            let length = 1 + Int(generator.next() % 40)
            // Duplicates and the target itself appear in some inputs, as in real histories.
            return (0..<length).map { position in
                position == 3 ? targets[user] : Int32(1 + Int(generator.next() % UInt64(setting.catalogSize)))
            }
        }
        for user in 0..<setting.users where generator.next() % 8 == 0 { hidden[user * setting.dimension] = .nan }
        return (hidden, table, targets, inputs)
    }

    @Test(arguments: [
        Case(users: 37, catalogSize: 17000, dimension: 8, topCount: 10, unmasked: true, masked: false),
        Case(users: 37, catalogSize: 17000, dimension: 8, topCount: 10, unmasked: false, masked: true),
        Case(users: 37, catalogSize: 17000, dimension: 8, topCount: 10, unmasked: true, masked: true),
        Case(users: 70, catalogSize: 300, dimension: 4, topCount: 128, unmasked: true, masked: true),
        Case(users: 5, catalogSize: 90, dimension: 16, topCount: 128, unmasked: true, masked: false),
    ])
    func twinMatchesEvaluator(_ setting: Case) {
        let (hidden, table, targets, inputs) = Self.data(setting, seed: UInt64(setting.catalogSize * 31 + setting.topCount))
        let d = setting.dimension, columns = setting.catalogSize + 1
        var sequences = Sequences()
        for list in inputs { sequences.append(items: list, timestamps: list.map { _ in 0 }) }
        let maskWidth = setting.masked ? inputs.map(\.count).max()! : 0
        let maskIDs = setting.masked ? inputs.flatMap { $0 + [Int32](repeating: 0, count: maskWidth - $0.count) } : []
        func output() -> CatalogRanking.Output {
            let output = CatalogRanking.Output(ranks: backend.makeTensor(shape: [setting.users], dtype: .int32),
                                               topItems: backend.makeTensor(shape: [setting.users * setting.topCount],
                                                                            dtype: .int32))
            backend.fill(output.ranks, with: -7)
            backend.fill(output.topItems, with: -7)
            return output
        }
        let unmaskedOutput = setting.unmasked ? output() : nil, maskedOutput = setting.masked ? output() : nil
        backend.rankCatalog(unmasked: unmaskedOutput, masked: maskedOutput,
                            hidden: backend.upload(hidden, shape: [setting.users, d]),
                            table: backend.upload(table, shape: [columns, d]),
                            targets: backend.upload(targets, shape: [setting.users]),
                            maskedItems: setting.masked ? backend.upload(maskIDs, shape: [maskIDs.count]) : nil,
                            users: setting.users, catalogSize: setting.catalogSize, dimension: d,
                            maskWidth: maskWidth, topCount: setting.topCount)
        for (output, masking) in [(unmaskedOutput, false), (maskedOutput, true)] {
            guard let output else { continue }
            let evaluator = FullRankingEvaluator(catalogSize: setting.catalogSize, ks: [setting.topCount],
                                                 maskInputItems: masking)
            let expected = evaluator.rankings(inputs: sequences, targets: targets, batchSize: 16) { cases, scores in
                for (row, user) in cases.enumerated() {
                    for item in 0..<columns {
                        var dot: Float = 0
                        for column in 0..<d { dot += hidden[user * d + column] * table[item * d + column] }
                        scores[row * columns + item] = dot
                    }
                }
            }
            let actual = CaseRankings(topCount: setting.topCount, ranks: backend.download(output.ranks),
                                      topItems: backend.download(output.topItems))
            #expect(actual.ranks == expected.ranks)
            #expect(actual.topItems == expected.topItems)
            #expect(expected.ranks.contains { $0 > 0 } && expected.topItems.contains { $0 != 0 })
            var fromTwin = RankingMetrics(ks: [1, setting.topCount], catalogSize: setting.catalogSize)
            fromTwin.add(actual)
            let direct = FullRankingEvaluator(catalogSize: setting.catalogSize, ks: [1, setting.topCount],
                                              maskInputItems: masking)
                .evaluate(inputs: sequences, targets: targets, batchSize: 16) { cases, scores in
                    scores = cases.flatMap { user in
                        (0..<columns).map { item in (0..<d).reduce(Float(0)) { $0 + hidden[user * d + $1] * table[item * d + $1] } }
                    }
                }
            #expect(fromTwin == direct)
        }
    }

    // Asked for the masked ranking without masked items, the twin ranks the whole catalog.
    @Test func maskedRankingWithoutMaskedItemsIsTheUnmaskedOne() {
        let setting = Case(users: 20, catalogSize: 500, dimension: 4, topCount: 16, unmasked: true, masked: true)
        let (hidden, table, targets, _) = Self.data(setting, seed: 4)
        let outputs = (0..<2).map { _ in
            CatalogRanking.Output(ranks: backend.makeTensor(shape: [setting.users], dtype: .int32),
                                  topItems: backend.makeTensor(shape: [setting.users * setting.topCount], dtype: .int32))
        }
        backend.rankCatalog(unmasked: outputs[0], masked: outputs[1], hidden: backend.upload(hidden, shape: [setting.users, 4]),
                            table: backend.upload(table, shape: [setting.catalogSize + 1, 4]),
                            targets: backend.upload(targets, shape: [setting.users]), maskedItems: nil,
                            users: setting.users, catalogSize: setting.catalogSize, dimension: 4, maskWidth: 0,
                            topCount: setting.topCount)
        let downloaded = outputs.map { (backend.download($0.ranks) as [Int32]) + backend.download($0.topItems) }
        #expect(downloaded[0] == downloaded[1] && downloaded[0].contains { $0 > 0 })
    }

    // A diverged model: user 0's state is NaN (every score NaN), user 1's target row overflows to
    // +infinity, user 2's to -infinity; each ranks catalogSize, a miss, in both rankings.
    @Test func nonFiniteTargetScoresRankAsMisses() {
        let catalogSize = 40, d = 2
        var table = (0..<(catalogSize + 1) * d).map { Float($0 % 7) / 8 }
        table[5 * d] = 3e38
        table[6 * d] = -3e38
        let hidden: [Float] = [.nan, 0, 10, 0, 10, 0]
        let outputs = (0..<2).map { _ in
            CatalogRanking.Output(ranks: backend.makeTensor(shape: [3], dtype: .int32),
                                  topItems: backend.makeTensor(shape: [3 * 4], dtype: .int32))
        }
        backend.rankCatalog(unmasked: outputs[0], masked: outputs[1], hidden: backend.upload(hidden, shape: [3, d]),
                            table: backend.upload(table, shape: [catalogSize + 1, d]),
                            targets: backend.upload([Int32(1), 5, 6], shape: [3]),
                            maskedItems: backend.upload([Int32(2), 3, 4], shape: [3]),
                            users: 3, catalogSize: catalogSize, dimension: d, maskWidth: 1, topCount: 4)
        for output in outputs {
            #expect(backend.download(output.ranks) as [Int32] == [40, 40, 40])
        }
    }
}
