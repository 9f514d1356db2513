import RecutCore

/// The `RankingBackend` check of the selftest: `rankCatalog` on the subject against the CPU twin.
extension BackendSelftest {
    /// The rankings one `rankCatalog` call is asked for.
    enum RankingViews: String {
        case unmasked, masked
        case both = "unmasked+masked"
    }

    /// Ranks and top lists must match exactly: inputs are multiples of 1/`grid` in -1...1, so
    /// every score is exact in float32 whatever the summation order (a coarse grid gives many
    /// tied scores, a fine one mostly distinct scores). Mask lists repeat items, hold the target
    /// and padding. The error is the fraction of differing entries.
    func checkRanking(_ rankingSubject: any RankingBackend) {
        let settings: [(users: Int, catalogSize: Int, dimension: Int, topCount: Int, views: RankingViews,
                        maskWidth: Int, grid: Int)] = [
            (300, 40_000, 64, 128, .both, 50, 64),
            (300, 40_000, 64, 10, .unmasked, 0, 4),
            (4100, 3000, 32, 20, .both, 50, 64),
            (17, 70, 8, 128, .unmasked, 0, 2),
            (200, 20_000, 16, 10, .masked, 300, 2),
            (33, 70, 8, 128, .both, 60, 2),
            (40, 5000, 8, 16, .both, 0, 4),
        ]
        for setting in settings {
            let users = setting.users, d = setting.dimension, topCount = setting.topCount
            let maskWidth = setting.maskWidth
            func gridValue() -> Float {
                Float(Int(generator.next() % UInt64(2 * setting.grid + 1)) - setting.grid) / Float(setting.grid)
            }
            var hidden = (0..<users * d).map { _ in gridValue() }
            for user in stride(from: 5, to: users, by: 97) { hidden[user * d] = .nan }
            let table = (0..<(setting.catalogSize + 1) * d).map { _ in gridValue() }
            let targets = (0..<users).map { _ in Int32(1 + Int(generator.next() % UInt64(setting.catalogSize))) }
            let masked = (0..<users * maskWidth).map { slot -> Int32 in
                let draw = generator.next() % 10
                if draw == 0 { return 0 }
                if draw == 1 { return targets[slot / maskWidth] }
                return Int32(1 + Int(generator.next() % UInt64(setting.catalogSize)))
            }
            var outputs: [[Int32]] = []
            for backend in [rankingSubject, reference as any RankingBackend] {
                func poisonedOutput() -> CatalogRanking.Output {
                    CatalogRanking.Output(
                        ranks: backend.upload([Int32](repeating: -1, count: users), shape: [users]),
                        topItems: backend.upload([Int32](repeating: -1, count: users * topCount), shape: [users * topCount]))
                }
                let unmaskedOutput = setting.views == .masked ? nil : poisonedOutput()
                let maskedOutput = setting.views == .unmasked ? nil : poisonedOutput()
                backend.rankCatalog(unmasked: unmaskedOutput, masked: maskedOutput,
                                    hidden: backend.upload(hidden, shape: [users, d]),
                                    table: backend.upload(table, shape: [setting.catalogSize + 1, d]),
                                    targets: backend.upload(targets, shape: [users]),
                                    maskedItems: maskWidth > 0 ? backend.upload(masked, shape: [masked.count]) : nil,
                                    users: users, catalogSize: setting.catalogSize, dimension: d,
                                    maskWidth: maskWidth, topCount: topCount)
                outputs.append([unmaskedOutput, maskedOutput].compactMap { $0 }.flatMap { output in
                    backend.download(output.ranks) + backend.download(output.topItems)
                })
            }
            let differing = zip(outputs[0], outputs[1]).filter { $0 != $1 }.count
            results.append(SelftestResult(
                operation: "rankCatalog \(users)x\(setting.catalogSize) d=\(d) k=\(topCount) \(setting.views.rawValue)"
                    + (maskWidth > 0 ? " mask \(maskWidth)" : "") + " grid 1/\(setting.grid)",
                error: Double(differing) / Double(outputs[1].count), threshold: 0))
        }
    }
}
