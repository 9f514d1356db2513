import RecutCore

/// The `RankingBackend` check of the selftest: `rankCatalog` on the subject against the CPU twin.
extension BackendSelftest {
    /// Ranks and top lists must match exactly: inputs are multiples of 1/`grid` in -1...1, so
    /// every score is exact in float32 whatever the summation order (a coarse grid gives many
    /// tied scores, a fine one mostly distinct scores). The error is the fraction of differing entries.
    func checkRanking(_ rankingSubject: any RankingBackend) {
        let settings: [(users: Int, catalogSize: Int, dimension: Int, topCount: Int, masked: Bool, grid: Int)] = [
            (300, 40_000, 64, 128, true, 64),
            (300, 40_000, 64, 10, false, 4),
            (4100, 3000, 32, 20, true, 64),
            (17, 70, 8, 128, false, 2),
        ]
        for setting in settings {
            let users = setting.users, d = setting.dimension, topCount = setting.topCount
            func gridValue() -> Float {
                Float(Int(generator.next() % UInt64(2 * setting.grid + 1)) - setting.grid) / Float(setting.grid)
            }
            var hidden = (0..<users * d).map { _ in gridValue() }
            for user in stride(from: 5, to: users, by: 97) { hidden[user * d] = .nan }
            let table = (0..<(setting.catalogSize + 1) * d).map { _ in gridValue() }
            let targets = (0..<users).map { _ in Int32(1 + Int(generator.next() % UInt64(setting.catalogSize))) }
            let maskWidth = setting.masked ? 50 : 0
            let masked = (0..<users * maskWidth).map { slot -> Int32 in
                let draw = generator.next() % 10
                if draw == 0 { return 0 }
                if draw == 1 { return targets[slot / maskWidth] }
                return Int32(1 + Int(generator.next() % UInt64(setting.catalogSize)))
            }
            var outputs: [[Int32]] = []
            for backend in [rankingSubject, reference as any RankingBackend] {
                let ranks = backend.upload([Int32](repeating: -1, count: users), shape: [users])
                let topItems = backend.upload([Int32](repeating: -1, count: users * topCount), shape: [users * topCount])
                backend.rankCatalog(ranks: ranks, topItems: topItems, hidden: backend.upload(hidden, shape: [users, d]),
                                    table: backend.upload(table, shape: [setting.catalogSize + 1, d]),
                                    targets: backend.upload(targets, shape: [users]),
                                    maskedItems: setting.masked ? backend.upload(masked, shape: [masked.count]) : nil,
                                    users: users, catalogSize: setting.catalogSize, dimension: d,
                                    maskWidth: maskWidth, topCount: topCount)
                outputs.append(backend.download(ranks) + backend.download(topItems))
            }
            let differing = zip(outputs[0], outputs[1]).filter { $0 != $1 }.count
            results.append(SelftestResult(
                operation: "rankCatalog \(users)x\(setting.catalogSize) d=\(d) k=\(topCount)"
                    + (setting.masked ? " masked" : "") + " grid 1/\(setting.grid)",
                error: Double(differing) / Double(outputs[1].count), threshold: 0))
        }
    }
}
