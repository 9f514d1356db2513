import RecutCore

extension CPUBackend: RankingBackend {
    /// Scores `rowsPerChunk` users against `tileWidth` items at a time (one BLAS product), then
    /// counts and selects each row of the tile with the `FullRankingEvaluator` logic: first
    /// unmasked, then (for the masked ranking) after scoring the row's masked items -infinity.
    public func rankCatalog(unmasked: CatalogRanking.Output?, masked: CatalogRanking.Output?, hidden: Tensor, table: Tensor,
                            targets: Tensor, maskedItems: Tensor?, users: Int, catalogSize: Int, dimension: Int,
                            maskWidth: Int, topCount: Int) {
        if widenedBFloat16([hidden, table], written: [], { t in
            rankCatalog(unmasked: unmasked, masked: masked, hidden: t[0], table: t[1], targets: targets,
                        maskedItems: maskedItems, users: users, catalogSize: catalogSize, dimension: dimension,
                        maskWidth: maskWidth, topCount: topCount)
        }) != nil { return }
        CatalogRanking.checkArguments(unmasked: unmasked, masked: masked, hidden: hidden, table: table, targets: targets,
                                      maskedItems: maskedItems, users: users, catalogSize: catalogSize,
                                      dimension: dimension, maskWidth: maskWidth, topCount: topCount)
        guard users > 0 else { return }
        // The unmasked ranking first: the masked one overwrites the masked scores of the tile.
        let outputs = [unmasked, masked]
        let views = outputs.indices.filter { outputs[$0] != nil }
        let rowsPerChunk = min(users, 64), tileWidth = min(catalogSize, 8192)
        let tile = makeTensor(shape: [rowsPerChunk * tileWidth], dtype: table.dtype)
        // float64 tiles are ranked in float32, as the evaluator ranks downloaded float32 scores.
        let narrowTile = UnsafeMutablePointer<Float>.allocate(capacity: table.dtype == .float32 ? 0 : rowsPerChunk * tileWidth)
        defer { narrowTile.deallocate() }
        let targetIDs = targets.pointer(as: Int32.self)
        let masks = maskWidth > 0 ? maskedItems.map { $0.pointer(as: Int32.self) } : nil
        let thresholds = targetScores(hidden: hidden, table: table, targets: targetIDs, users: users, dimension: dimension)
        // Slot view * rowsPerChunk + row: that row's selector and count in ranking `view` (0 unmasked, 1 masked).
        var selectors = (0..<2 * rowsPerChunk).map { _ in TopItemSelector(capacity: topCount) }
        var rowRanks = [Int](repeating: 0, count: 2 * rowsPerChunk)
        for chunkStart in stride(from: 0, to: users, by: rowsPerChunk) {
            let rows = min(rowsPerChunk, users - chunkStart)
            for index in rowRanks.indices { rowRanks[index] = 0 }
            for tileStart in stride(from: 1, through: catalogSize, by: tileWidth) {
                let width = min(tileWidth, catalogSize + 1 - tileStart)
                matmul(tile, hidden.view(offset: chunkStart * dimension, shape: [rows, dimension]),
                       table.view(offset: tileStart * dimension, shape: [width, dimension]),
                       rows: rows, columns: width, inner: dimension, transposeA: false, transposeB: true, alpha: 1, beta: 0)
                let scores: UnsafeMutablePointer<Float>
                if table.dtype == .float32 {
                    scores = tile.pointer(as: Float.self)
                } else {
                    let wide = tile.pointer(as: Double.self)
                    scores = narrowTile
                    for index in 0..<rows * width { scores[index] = Float(wide[index]) }
                }
                let tileItems = tileStart..<tileStart + width
                selectors.withUnsafeMutableBufferPointer { selectors in
                    rowRanks.withUnsafeMutableBufferPointer { rowRanks in
                        nonisolated(unsafe) let selectors = selectors, rowRanks = rowRanks
                        // Each chunk of rows owns its rows of the tile, its selectors and its counts.
                        parallelChunks(count: rows, minimumChunk: 4) { _, rowRange in
                            for row in rowRange {
                                let user = chunkStart + row
                                let target = Int(targetIDs[user])
                                let rowStart = scores + row * width
                                for view in views {
                                    if view == 1, let masks {
                                        for slot in 0..<maskWidth {
                                            let item = Int(masks[user * maskWidth + slot])
                                            if item != target && tileItems.contains(item) { rowStart[item - tileStart] = -.infinity }
                                        }
                                    }
                                    let items = UnsafeBufferPointer(start: rowStart, count: width)
                                    var above = FullRankingEvaluator.countScores(above: thresholds[user], in: items)
                                    // The target never outranks itself, whatever the rounding of its two products.
                                    if tileItems.contains(target) && items[target - tileStart] > thresholds[user] { above -= 1 }
                                    rowRanks[view * rowsPerChunk + row] += above
                                    selectors[view * rowsPerChunk + row].offer(scores: items, firstItem: tileStart)
                                }
                            }
                        }
                    }
                }
            }
            for view in views {
                let output = outputs[view]!
                let rankOutput = output.ranks.pointer(as: Int32.self), topOutput = output.topItems.pointer(as: Int32.self)
                for row in 0..<rows {
                    let user = chunkStart + row
                    rankOutput[user] = thresholds[user].isFinite ? Int32(rowRanks[view * rowsPerChunk + row])
                        : Int32(catalogSize)
                    selectors[view * rowsPerChunk + row].drainBestFirst { listed in
                        for position in 0..<topCount {
                            topOutput[user * topCount + position] = position < listed.count ? listed[position] : 0
                        }
                    }
                }
            }
        }
    }

    /// Each user's target score as float32; a NaN or infinite one makes the rank catalogSize (as
    /// `FullRankingEvaluator` ranks it), whatever the tile counts.
    private func targetScores(hidden: Tensor, table: Tensor, targets: UnsafeMutablePointer<Int32>,
                              users: Int, dimension: Int) -> [Float] {
        func scores<S: CPUScalar>(_ hidden: UnsafeMutablePointer<S>, _ table: UnsafeMutablePointer<S>) -> [Float] {
            (0..<users).map { user in
                let row = table + Int(targets[user]) * dimension, state = hidden + user * dimension
                var dot = S.zero
                for column in 0..<dimension { dot += state[column] * row[column] }
                return Float(dot)
            }
        }
        return table.dtype == .float32
            ? scores(hidden.pointer(as: Float.self), table.pointer(as: Float.self))
            : scores(hidden.pointer(as: Double.self), table.pointer(as: Double.self))
    }
}
