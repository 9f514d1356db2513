import RecutCore

/// The `FusedLossBackend` checks of the selftest: each fused pass (forward log-sum-exp and
/// loss, backward dH and dE) and the losses end to end, against the CPU float64 reference,
/// with padding targets, empty negative slots, collisions with the target and the log-q
/// corrections among the inputs; once with gradient filtering off and once on. In mixed
/// precision, hidden states, table and hidden gradient are bfloat16; log-sum-exp, losses,
/// positive logits and table gradient float32, on the same bfloat16-rounded inputs.
///
/// The pass checks give both sides the same filter threshold, so the subject is held to the
/// filtered CPU twin; the end-to-end checks let each loss pick the threshold of its own dtype
/// (the reference's float64 one filters almost nothing), which bounds what filtering changes.
extension BackendSelftest {
    /// The rows, negatives per id row, embedding width, catalog and rows per sequence of a
    /// fused or end-to-end loss check.
    struct LossCheckSizes {
        var rows: Int
        var negatives: Int
        var dimension: Int
        var catalog: Int
        var length: Int

        /// Several 64 x 64 tiles with ragged edges, and a width that is not a multiple of the 32-wide chunks.
        static let passes = LossCheckSizes(rows: 150, negatives: 100, dimension: 40, catalog: 300, length: 50)
        /// More ragged 64 x 64 tiles, at a width the bfloat16 tensor-core tiles take (a multiple of 16).
        static let tiles = LossCheckSizes(rows: 300, negatives: 200, dimension: 64, catalog: 1000, length: 50)
        /// Tiles wider than 64 (the CUDA bfloat16 kernels sized for 128 dimensions), not a power of two.
        static let wideTiles = LossCheckSizes(rows: 200, negatives: 130, dimension: 112, catalog: 700, length: 50)
        /// The losses end to end with per-position negatives.
        static let endToEnd = LossCheckSizes(rows: 60, negatives: 20, dimension: 32, catalog: 120, length: 60)
    }

    /// Runs the float32 fused checks on `fusedSubject` (the subject, seen as a fused loss backend).
    func checkFusedLosses(_ fusedSubject: any FusedLossBackend) {
        for filtering in [false, true] {
            // Each granularity meets a different log-q mode with filtering off than on; nil is the full catalog.
            let cases: [(SampledNegatives.Granularity?, LogQKind)] = filtering
                ? [(.perPosition, .perItem), (.perSequence, .none), (.perBatch, .perNegative), (nil, .none)]
                : [(.perPosition, .perNegative), (.perSequence, .perItem), (.perBatch, .none), (nil, .none)]
            for (granularity, logQ) in cases {
                let inputs = lossInputs(.passes, granularity: granularity, logQ: logQ, filtering: filtering,
                                        dtype: .float32)
                checkLogSumExpPasses(fusedSubject, inputs, filtering: filtering, filterDType: .float32)
                let losses: (subject: any TrainingLoss, reference: any TrainingLoss) = inputs.negatives == nil
                    ? (FusedCrossEntropyLoss(backend: fusedSubject, gradientFiltering: filtering),
                       FusedCrossEntropyLoss(backend: reference, gradientFiltering: filtering))
                    : (FusedSampledCrossEntropyLoss(backend: fusedSubject, gradientFiltering: filtering),
                       FusedSampledCrossEntropyLoss(backend: reference, gradientFiltering: filtering))
                recordEndToEnd("\(inputs.fusedLoss) loss \(inputs.label(filtering: filtering))", inputs,
                               subjectLoss: losses.subject, referenceLoss: losses.reference, negatives: inputs.negatives)
            }
        }
    }

    /// Runs the fused passes with bfloat16 operands: per-position negatives under the filter
    /// threshold mixed-precision training uses (bfloat16's), and the tiled passes (full
    /// catalog, per-batch and per-sequence negatives) under float32's, with a wider spread of
    /// logits when filtering is on so that whole tiles fall below it.
    func checkBFloat16FusedPasses(_ fusedSubject: any FusedLossBackend) {
        for filtering in [false, true] {
            checkLogSumExpPasses(fusedSubject, lossInputs(.passes, granularity: .perPosition, logQ: .perNegative,
                                                          filtering: filtering, dtype: .bfloat16),
                                 filtering: filtering, filterDType: .bfloat16)
            let tiled: [(SampledNegatives.Granularity?, LogQKind)] = [
                (nil, .none), (.perBatch, filtering ? .perItem : .none), (.perSequence, filtering ? .perNegative : .none),
            ]
            for (granularity, logQ) in tiled {
                for sizes in [LossCheckSizes.tiles, .wideTiles] {
                    checkLogSumExpPasses(fusedSubject, lossInputs(sizes, granularity: granularity, logQ: logQ,
                                                                  filtering: filtering, dtype: .bfloat16),
                                         filtering: filtering, filterDType: .float32)
                }
            }
        }
    }

    /// `ce`, `ce-` and `cce-` with per-position negatives end to end in mixed precision:
    /// bfloat16 H, E and dH, a float32 dE; each loss filters with its own default.
    func checkBFloat16LossClasses(_ lossSubject: any LossBackend) {
        let inputs = lossInputs(.endToEnd, granularity: .perPosition, logQ: .perItem, filtering: false, dtype: .bfloat16)
        recordEndToEnd("bf16 ce loss", inputs, subjectLoss: CrossEntropyLoss(backend: lossSubject),
                       referenceLoss: CrossEntropyLoss(backend: reference), negatives: nil)
        recordEndToEnd("bf16 ce- per position loss", inputs, subjectLoss: SampledCrossEntropyLoss(backend: lossSubject),
                       referenceLoss: SampledCrossEntropyLoss(backend: reference), negatives: inputs.negatives)
        if let fusedSubject = lossSubject as? any FusedLossBackend {
            recordEndToEnd("bf16 cce- per position loss", inputs,
                           subjectLoss: FusedSampledCrossEntropyLoss(backend: fusedSubject),
                           referenceLoss: FusedSampledCrossEntropyLoss(backend: reference), negatives: inputs.negatives)
        }
    }

    /// The operands of one loss check: `dtype` hidden states (wider spread with filtering on,
    /// so that some weights fall below the threshold) and table, targets in 1...catalog with
    /// padding, and negative ids in 0...catalog / 3 (so that empty slots and collisions occur),
    /// or none for the full catalog.
    struct LossInputs {
        var sizes: LossCheckSizes
        var dtype: DType
        var hidden: Pair
        var table: Pair
        var targets: (subject: Tensor, reference: Tensor)
        var negatives: (subject: SampledNegatives, reference: SampledNegatives)?
        var rowsPerNegativeRow: Int
        /// The granularity and log-q mode as check names say them; empty for the full catalog.
        var sampling: String

        /// The fused loss these operands are for: `cce-` with negatives, `cce` without.
        var fusedLoss: String { negatives == nil ? "cce" : "cce-" }

        /// The sampling and the filter setting, as check names say them.
        func label(filtering: Bool) -> String {
            (sampling.isEmpty ? "" : sampling + ", ") + (filtering ? "filter on" : "filter off")
        }
    }

    /// Fresh `LossInputs` of `sizes`, with negatives of `granularity` (nil: the full catalog).
    func lossInputs(_ sizes: LossCheckSizes, granularity: SampledNegatives.Granularity?, logQ logQKind: LogQKind,
                    filtering: Bool, dtype: DType) -> LossInputs {
        let hidden = randomPair([sizes.rows, sizes.dimension], scale: filtering ? 3 : 1, dtype: dtype)
        let table = randomPair([sizes.catalog + 1, sizes.dimension], dtype: dtype)
        let ids = targetIDs(sizes.rows, classes: sizes.catalog + 1)
        let targets = (subject.upload(ids, shape: [sizes.rows]), reference.upload(ids, shape: [sizes.rows]))
        guard let granularity else {
            return LossInputs(sizes: sizes, dtype: dtype, hidden: hidden, table: table, targets: targets, negatives: nil,
                              rowsPerNegativeRow: sizes.rows, sampling: "")
        }
        let shape: [Int], rowsPerNegativeRow: Int
        switch granularity {
        case .perPosition: (shape, rowsPerNegativeRow) = ([sizes.rows, sizes.negatives], 1)
        case .perSequence: (shape, rowsPerNegativeRow) = ([sizes.rows / sizes.length, sizes.negatives], sizes.length)
        case .perBatch: (shape, rowsPerNegativeRow) = ([sizes.negatives], sizes.rows)
        }
        let negativeIDs = negativeIDs(shape.reduce(1, *), catalog: sizes.catalog / 3 + 1)
        let logQ = logQPair(logQKind, items: sizes.catalog + 1, negativeShape: shape)
        let negatives = (SampledNegatives(ids: subject.upload(negativeIDs, shape: shape), granularity: granularity,
                                          logQ: logQ.subject),
                         SampledNegatives(ids: reference.upload(negativeIDs, shape: shape), granularity: granularity,
                                          logQ: logQ.reference))
        return LossInputs(sizes: sizes, dtype: dtype, hidden: hidden, table: table, targets: targets, negatives: negatives,
                          rowsPerNegativeRow: rowsPerNegativeRow, sampling: "\(Self.label(granularity)), \(logQKind.label)")
    }

    /// The positive logits computed once on the reference and given to both sides as float32.
    private func positivePair(_ inputs: LossInputs) -> Pair {
        let sizes = inputs.sizes
        let positive = reference.makeTensor(shape: [sizes.rows], dtype: .float64)
        reference.gatheredDotForward(positive, hidden: inputs.hidden.reference, table: inputs.table.reference,
                                     ids: inputs.targets.reference, rows: sizes.rows, idsPerRow: 1,
                                     dimension: sizes.dimension)
        return pair(reference.download(positive), [sizes.rows])
    }

    /// The forward and backward passes of `cce-` (sampled negatives) or `cce` (the full
    /// catalog), with filtering at `filterDType`'s threshold when `filtering`; `note` ends the
    /// check names.
    func checkLogSumExpPasses(_ fusedSubject: any FusedLossBackend, _ inputs: LossInputs, filtering: Bool,
                              filterDType: DType, note: String = "") {
        let sizes = inputs.sizes, threshold = Self.threshold(for: inputs.dtype)
        let name = Self.name(inputs.fusedLoss, inputs.dtype)
        let label = inputs.label(filtering: filtering) + " d=\(sizes.dimension)" + note
        let positive = positivePair(inputs)
        let logSumExp = poisoned([sizes.rows]), losses = poisoned([sizes.rows])
        for (backend, side) in [(fusedSubject, Side.subject), (reference as any FusedLossBackend, Side.reference)] {
            if let negatives = inputs.negatives {
                backend.sampledLogSumExpForward(
                    side.pick(logSumExp), losses: side.pick(losses), positiveLogits: side.pick(positive),
                    hidden: side.pick(inputs.hidden), table: side.pick(inputs.table), targets: side.pick(inputs.targets),
                    negativeIDs: side.pick(negatives).ids, logQ: side.pick(negatives).logQ, rows: sizes.rows,
                    negatives: sizes.negatives, rowsPerNegativeRow: inputs.rowsPerNegativeRow, dimension: sizes.dimension)
            } else {
                backend.fullLogSumExpForward(side.pick(logSumExp), losses: side.pick(losses),
                                             positiveLogits: side.pick(positive), hidden: side.pick(inputs.hidden),
                                             table: side.pick(inputs.table), targets: side.pick(inputs.targets),
                                             rows: sizes.rows, itemCount: sizes.catalog, dimension: sizes.dimension)
            }
        }
        record("\(name) forward \(label): log-sum-exp, losses", [logSumExp, losses], threshold: threshold)
        let referenceLogSumExp = pair(reference.download(logSumExp.reference), [sizes.rows])
        let hiddenGradient = poisoned([sizes.rows, sizes.dimension], dtype: inputs.dtype)
        let tableGradient = randomPair([sizes.catalog + 1, sizes.dimension], scale: 0.01)
        let filterThreshold = filtering ? GradientFilter.threshold(for: filterDType) : 0
        for (backend, side) in [(fusedSubject, Side.subject), (reference as any FusedLossBackend, Side.reference)] {
            if let negatives = inputs.negatives {
                backend.sampledLogSumExpBackward(
                    hiddenGradient: side.pick(hiddenGradient), tableGradient: side.pick(tableGradient),
                    logSumExp: side.pick(referenceLogSumExp), positiveLogits: side.pick(positive),
                    hidden: side.pick(inputs.hidden), table: side.pick(inputs.table), targets: side.pick(inputs.targets),
                    negativeIDs: side.pick(negatives).ids, logQ: side.pick(negatives).logQ, rows: sizes.rows,
                    negatives: sizes.negatives, rowsPerNegativeRow: inputs.rowsPerNegativeRow, dimension: sizes.dimension,
                    gradientScale: 0.7, filterThreshold: filterThreshold)
            } else {
                backend.fullLogSumExpBackward(hiddenGradient: side.pick(hiddenGradient),
                                              tableGradient: side.pick(tableGradient),
                                              logSumExp: side.pick(referenceLogSumExp), hidden: side.pick(inputs.hidden),
                                              table: side.pick(inputs.table), targets: side.pick(inputs.targets),
                                              rows: sizes.rows, itemCount: sizes.catalog, dimension: sizes.dimension,
                                              gradientScale: 0.7, filterThreshold: filterThreshold)
            }
        }
        record("\(name) backward \(label): d hidden", [hiddenGradient], threshold: threshold)
        record("\(name) backward \(label): d table", [tableGradient], threshold: threshold)
    }

    /// Runs one training loss on both sides and records its value, dH (of the inputs' dtype)
    /// and the float32 dE.
    private func recordEndToEnd(_ name: String, _ inputs: LossInputs, subjectLoss: any TrainingLoss,
                                referenceLoss: any TrainingLoss,
                                negatives: (subject: SampledNegatives, reference: SampledNegatives)?) {
        let sizes = inputs.sizes, threshold = Self.threshold(for: inputs.dtype)
        let hiddenGradient = poisoned([sizes.rows, sizes.dimension], dtype: inputs.dtype)
        let tableGradient = randomPair([sizes.catalog + 1, sizes.dimension], scale: 0.01)
        let actual = subjectLoss.forwardBackward(hidden: inputs.hidden.subject, itemTable: inputs.table.subject,
                                                 hiddenGradient: hiddenGradient.subject,
                                                 itemTableGradient: tableGradient.subject,
                                                 targets: inputs.targets.subject, negatives: negatives?.subject,
                                                 positions: sizes.rows)
        let expected = referenceLoss.forwardBackward(hidden: inputs.hidden.reference, itemTable: inputs.table.reference,
                                                     hiddenGradient: hiddenGradient.reference,
                                                     itemTableGradient: tableGradient.reference,
                                                     targets: inputs.targets.reference, negatives: negatives?.reference,
                                                     positions: sizes.rows)
        results.append(SelftestResult(operation: "\(name): loss", error: abs(actual - expected) / abs(expected),
                                      threshold: threshold))
        record("\(name): d hidden", [hiddenGradient], threshold: threshold)
        record("\(name): d table", [tableGradient], threshold: threshold)
    }
}

/// Which side of a selftest pair an op runs on.
enum Side {
    case subject
    case reference

    func pick(_ pair: BackendSelftest.Pair) -> Tensor { self == .subject ? pair.subject : pair.reference }

    func pick(_ tensors: (subject: Tensor, reference: Tensor)) -> Tensor { self == .subject ? tensors.subject : tensors.reference }

    func pick(_ negatives: (subject: SampledNegatives, reference: SampledNegatives)) -> SampledNegatives {
        self == .subject ? negatives.subject : negatives.reference
    }
}
