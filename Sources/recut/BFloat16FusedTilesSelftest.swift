import RecutCore

/// The bfloat16 checks of the tiled fused passes (the full catalog of `cce`, per-batch and
/// per-sequence negatives of `cce-`): hidden states, table and hidden gradient bfloat16;
/// log-sum-exp, losses, positive logits and table gradient float32, against the CPU float64
/// reference on the same bfloat16-rounded inputs.
///
/// Sizes are not multiples of the 64 x 64 tiles; targets include padding (0) and, among the
/// sampled negatives, ids equal to a row's target and empty slots. As in the float32 pass
/// checks, both sides get the same filter threshold (float32's), with a wider spread of
/// logits when filtering is on so that whole tiles fall below it.
extension BackendSelftest {
    /// Rows, catalog, embedding width, negatives per id row and rows per sequence.
    private static let bfloat16TileSizes = (rows: 300, catalog: 1000, dimension: 64, negatives: 200, length: 50)

    /// Runs the bfloat16 tiled checks on `fusedSubject` (the subject, seen as a fused loss backend).
    func checkBFloat16FusedTiles(_ fusedSubject: any FusedLossBackend) {
        for filtering in [false, true] {
            checkBFloat16Tiles(fusedSubject, granularity: nil, filtering: filtering)
            checkBFloat16Tiles(fusedSubject, granularity: .perBatch, filtering: filtering)
            checkBFloat16Tiles(fusedSubject, granularity: .perSequence, filtering: filtering)
        }
    }

    /// One forward and backward check of the full catalog (granularity nil) or of shared negatives.
    private func checkBFloat16Tiles(_ fusedSubject: any FusedLossBackend, granularity: SampledNegatives.Granularity?,
                                    filtering: Bool) {
        let sizes = Self.bfloat16TileSizes
        let hidden = randomPair([sizes.rows, sizes.dimension], scale: filtering ? 3 : 1, dtype: .bfloat16)
        let table = randomPair([sizes.catalog + 1, sizes.dimension], dtype: .bfloat16)
        let targetIDs = (0..<sizes.rows).map { $0 % 5 == 3 ? Int32(0) : Int32(1 + generator.next(below: sizes.catalog)) }
        let targets: (subject: Tensor, reference: Tensor) = idPair(targetIDs)
        let positive = bfloat16PositiveLogits(hidden: hidden, table: table, targets: targets.reference)
        let negatives = granularity.map { bfloat16SharedNegatives($0, logQ: filtering) }
        let name = (negatives?.label ?? "cce bf16") + (filtering ? ", filter on" : ", filter off")
        let logSumExp = poisoned([sizes.rows]), losses = poisoned([sizes.rows])
        for (backend, side) in [(fusedSubject, Side.subject), (reference as any FusedLossBackend, Side.reference)] {
            if let negatives {
                backend.sampledLogSumExpForward(
                    side.pick(logSumExp), losses: side.pick(losses), positiveLogits: side.pick(positive),
                    hidden: side.pick(hidden), table: side.pick(table), targets: side.pick(targets),
                    negativeIDs: side.pick(negatives.ids), logQ: side.pick(negatives.logQ), rows: sizes.rows,
                    negatives: sizes.negatives, rowsPerNegativeRow: negatives.rowsPerNegativeRow,
                    dimension: sizes.dimension)
            } else {
                backend.fullLogSumExpForward(side.pick(logSumExp), losses: side.pick(losses),
                                             positiveLogits: side.pick(positive), hidden: side.pick(hidden),
                                             table: side.pick(table), targets: side.pick(targets), rows: sizes.rows,
                                             itemCount: sizes.catalog, dimension: sizes.dimension)
            }
        }
        record("\(name) forward: log-sum-exp, losses", [logSumExp, losses], threshold: Self.bfloat16Threshold)
        let referenceLogSumExp = pair(reference.download(logSumExp.reference), [sizes.rows])
        let hiddenGradient = poisoned([sizes.rows, sizes.dimension], dtype: .bfloat16)
        let tableGradient = randomPair([sizes.catalog + 1, sizes.dimension], scale: 0.01)
        let threshold = filtering ? GradientFilter.threshold(for: .float32) : 0
        for (backend, side) in [(fusedSubject, Side.subject), (reference as any FusedLossBackend, Side.reference)] {
            if let negatives {
                backend.sampledLogSumExpBackward(
                    hiddenGradient: side.pick(hiddenGradient), tableGradient: side.pick(tableGradient),
                    logSumExp: side.pick(referenceLogSumExp), positiveLogits: side.pick(positive),
                    hidden: side.pick(hidden), table: side.pick(table), targets: side.pick(targets),
                    negativeIDs: side.pick(negatives.ids), logQ: side.pick(negatives.logQ), rows: sizes.rows,
                    negatives: sizes.negatives, rowsPerNegativeRow: negatives.rowsPerNegativeRow,
                    dimension: sizes.dimension, gradientScale: 0.7, filterThreshold: threshold)
            } else {
                backend.fullLogSumExpBackward(hiddenGradient: side.pick(hiddenGradient),
                                              tableGradient: side.pick(tableGradient),
                                              logSumExp: side.pick(referenceLogSumExp), hidden: side.pick(hidden),
                                              table: side.pick(table), targets: side.pick(targets), rows: sizes.rows,
                                              itemCount: sizes.catalog, dimension: sizes.dimension,
                                              gradientScale: 0.7, filterThreshold: threshold)
            }
        }
        record("\(name) backward: d hidden", [hiddenGradient], threshold: Self.bfloat16Threshold)
        record("\(name) backward: d table", [tableGradient], threshold: Self.bfloat16Threshold)
    }

    /// The negatives shared by many rows: ids in 0...catalog / 3 (so that empty slots and
    /// collisions with targets occur), with log q per item (per batch) or per negative (per
    /// sequence) when `logQ`.
    private struct SharedNegatives {
        var ids: (subject: Tensor, reference: Tensor)
        var logQ: (subject: LogQCorrection?, reference: LogQCorrection?)
        var rowsPerNegativeRow: Int
        var label: String
    }

    private func bfloat16SharedNegatives(_ granularity: SampledNegatives.Granularity, logQ: Bool) -> SharedNegatives {
        let sizes = Self.bfloat16TileSizes
        let perBatch = granularity == .perBatch
        let shape = perBatch ? [sizes.negatives] : [sizes.rows / sizes.length, sizes.negatives]
        let ids = (0..<shape.reduce(1, *)).map { _ in Int32(generator.next(below: sizes.catalog / 3 + 1)) }
        let idPair = (subject.upload(ids, shape: shape), reference.upload(ids, shape: shape))
        var correction: (subject: LogQCorrection?, reference: LogQCorrection?) = (nil, nil)
        if logQ {
            let values = randomPair(perBatch ? [sizes.catalog + 1] : shape, scale: 1, offset: -4)
            correction = perBatch ? (.perItem(values.subject), .perItem(values.reference))
                : (.perNegative(values.subject), .perNegative(values.reference))
        }
        let label = "cce- bf16 " + (perBatch ? "per batch" : "per sequence")
            + (logQ ? (perBatch ? ", log q per item" : ", log q per negative") : "")
        return SharedNegatives(ids: idPair, logQ: correction,
                               rowsPerNegativeRow: perBatch ? sizes.rows : sizes.length, label: label)
    }

    /// The positive logits computed once on the reference and given to both sides as float32.
    private func bfloat16PositiveLogits(hidden: Pair, table: Pair, targets: Tensor) -> Pair {
        let sizes = Self.bfloat16TileSizes
        let positive = reference.makeTensor(shape: [sizes.rows], dtype: .float64)
        reference.gatheredDotForward(positive, hidden: hidden.reference, table: table.reference, ids: targets,
                                     rows: sizes.rows, idsPerRow: 1, dimension: sizes.dimension)
        return pair(reference.download(positive), [sizes.rows])
    }
}

extension Side {
    /// This side's log-q correction.
    func pick(_ logQ: (subject: LogQCorrection?, reference: LogQCorrection?)) -> LogQCorrection? {
        self == .subject ? logQ.subject : logQ.reference
    }
}
