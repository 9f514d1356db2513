import RecutCore

/// The `FusedLossBackend` checks of the selftest: each fused pass (forward log-sum-exp and
/// loss, backward dH and dE) and both fused losses end to end, against the CPU float64
/// reference, with padding targets, empty negative slots, collisions with the target and
/// the log-q corrections among the inputs; once with gradient filtering off and once on.
///
/// The pass checks give both sides the same filter threshold (float32's 2^-28), so the
/// subject is held to the filtered CPU twin; the end-to-end checks let each loss pick the
/// threshold of its own dtype (the reference's float64 one filters almost nothing), which
/// bounds what filtering changes.
extension BackendSelftest {
    /// The rows, negatives, embedding width and catalog of the fused checks: several 64 x 64
    /// tiles with ragged edges, and a width that is not a multiple of the 32-wide chunks.
    private static let fusedSizes = (rows: 150, negatives: 100, dimension: 40, catalog: 300, length: 50)

    /// Runs the fused checks on `fusedSubject` (the subject, seen as a fused loss backend).
    func checkFusedLosses(_ fusedSubject: any FusedLossBackend) {
        for filtering in [false, true] {
            for granularity in [SampledNegatives.Granularity.perPosition, .perSequence, .perBatch] {
                checkSampledLogSumExp(fusedSubject, granularity: granularity, filtering: filtering)
                checkFusedSampledLoss(fusedSubject, granularity: granularity, filtering: filtering)
            }
            checkFullLogSumExp(fusedSubject, filtering: filtering)
            checkFusedFullLoss(fusedSubject, filtering: filtering)
        }
    }

    /// Targets in 1...catalog with every fifth one 0 (a padding position).
    private func fusedTargets(_ rows: Int, catalog: Int) -> [Int32] {
        (0..<rows).map { $0 % 5 == 3 ? 0 : Int32(1 + generator.next(below: catalog)) }
    }

    /// Negative ids in 0...catalog / 3, so that empty slots (0) and collisions occur.
    private func fusedNegativeIDs(_ count: Int, catalog: Int) -> [Int32] {
        (0..<count).map { _ in Int32(generator.next(below: catalog / 3 + 1)) }
    }

    /// The operands of one fused check: hidden states and table (wider spread with filtering
    /// on, so that some weights fall below the threshold), targets and negatives.
    private struct FusedInputs {
        var hidden: Pair
        var table: Pair
        var targets: (subject: Tensor, reference: Tensor)
        var negatives: (subject: SampledNegatives, reference: SampledNegatives)?
        var rowsPerNegativeRow: Int
        var label: String
    }

    private func fusedInputs(granularity: SampledNegatives.Granularity?, filtering: Bool) -> FusedInputs {
        let sizes = Self.fusedSizes
        let hidden = randomPair([sizes.rows, sizes.dimension], scale: filtering ? 3 : 1)
        let table = randomPair([sizes.catalog + 1, sizes.dimension])
        let targetIDs = fusedTargets(sizes.rows, catalog: sizes.catalog)
        let targets = (subject.upload(targetIDs, shape: [sizes.rows]), reference.upload(targetIDs, shape: [sizes.rows]))
        let filter = filtering ? "filter on" : "filter off"
        guard let granularity else {
            return FusedInputs(hidden: hidden, table: table, targets: targets, negatives: nil, rowsPerNegativeRow: sizes.rows,
                               label: filter)
        }
        let shape: [Int], rowsPerNegativeRow: Int, name: String
        switch granularity {
        case .perPosition: (shape, rowsPerNegativeRow, name) = ([sizes.rows, sizes.negatives], 1, "per position")
        case .perSequence:
            (shape, rowsPerNegativeRow, name) = ([sizes.rows / sizes.length, sizes.negatives], sizes.length, "per sequence")
        case .perBatch: (shape, rowsPerNegativeRow, name) = ([sizes.negatives], sizes.rows, "per batch")
        }
        let ids = fusedNegativeIDs(shape.reduce(1, *), catalog: sizes.catalog)
        // Each granularity meets a different log-q mode with filtering off than on.
        let order: [SampledNegatives.Granularity] = [.perPosition, .perSequence, .perBatch]
        let kind = (order.firstIndex(of: granularity)! + (filtering ? 1 : 0)) % 3
        let logQ: (subject: LogQCorrection?, reference: LogQCorrection?), logQName: String
        switch kind {
        case 0:
            let values = randomPair(shape, scale: 1, offset: -4)
            (logQ, logQName) = ((.perNegative(values.subject), .perNegative(values.reference)), "log q per negative")
        case 1:
            let values = randomPair([sizes.catalog + 1], scale: 1, offset: -4)
            (logQ, logQName) = ((.perItem(values.subject), .perItem(values.reference)), "log q per item")
        default: (logQ, logQName) = ((nil, nil), "no log q")
        }
        let negatives = (SampledNegatives(ids: subject.upload(ids, shape: shape), granularity: granularity, logQ: logQ.subject),
                         SampledNegatives(ids: reference.upload(ids, shape: shape), granularity: granularity,
                                          logQ: logQ.reference))
        return FusedInputs(hidden: hidden, table: table, targets: targets, negatives: negatives,
                           rowsPerNegativeRow: rowsPerNegativeRow, label: "\(name), \(logQName), \(filter)")
    }

    /// The positive logits computed once on the reference and given to both sides.
    private func positivePair(_ inputs: FusedInputs) -> Pair {
        let sizes = Self.fusedSizes
        let positive = reference.makeTensor(shape: [sizes.rows], dtype: .float64)
        reference.gatheredDotForward(positive, hidden: inputs.hidden.reference, table: inputs.table.reference,
                                     ids: inputs.targets.reference, rows: sizes.rows, idsPerRow: 1,
                                     dimension: sizes.dimension)
        return pair(reference.download(positive), [sizes.rows])
    }

    private func checkSampledLogSumExp(_ fusedSubject: any FusedLossBackend, granularity: SampledNegatives.Granularity,
                                       filtering: Bool) {
        let sizes = Self.fusedSizes
        let inputs = fusedInputs(granularity: granularity, filtering: filtering)
        guard let negatives = inputs.negatives else { return }
        let positive = positivePair(inputs)
        let logSumExp = poisoned([sizes.rows]), losses = poisoned([sizes.rows])
        for (backend, side) in [(fusedSubject, Side.subject), (reference as any FusedLossBackend, Side.reference)] {
            backend.sampledLogSumExpForward(
                side.pick(logSumExp), losses: side.pick(losses), positiveLogits: side.pick(positive),
                hidden: side.pick(inputs.hidden), table: side.pick(inputs.table), targets: side.pick(inputs.targets),
                negativeIDs: side.pick(negatives).ids, logQ: side.pick(negatives).logQ, rows: sizes.rows,
                negatives: sizes.negatives, rowsPerNegativeRow: inputs.rowsPerNegativeRow, dimension: sizes.dimension)
        }
        record("cce- forward \(inputs.label): log-sum-exp, losses", [logSumExp, losses])
        let referenceLogSumExp = pair(reference.download(logSumExp.reference), [sizes.rows])
        let hiddenGradient = poisoned([sizes.rows, sizes.dimension])
        let tableGradient = randomPair([sizes.catalog + 1, sizes.dimension], scale: 0.01)
        let threshold = filtering ? GradientFilter.threshold(for: .float32) : 0
        for (backend, side) in [(fusedSubject, Side.subject), (reference as any FusedLossBackend, Side.reference)] {
            backend.sampledLogSumExpBackward(
                hiddenGradient: side.pick(hiddenGradient), tableGradient: side.pick(tableGradient),
                logSumExp: side.pick(referenceLogSumExp), positiveLogits: side.pick(positive),
                hidden: side.pick(inputs.hidden), table: side.pick(inputs.table), targets: side.pick(inputs.targets),
                negativeIDs: side.pick(negatives).ids, logQ: side.pick(negatives).logQ, rows: sizes.rows,
                negatives: sizes.negatives, rowsPerNegativeRow: inputs.rowsPerNegativeRow, dimension: sizes.dimension,
                gradientScale: 0.7, filterThreshold: threshold)
        }
        record("cce- backward \(inputs.label): d hidden", [hiddenGradient])
        record("cce- backward \(inputs.label): d table", [tableGradient])
    }

    private func checkFullLogSumExp(_ fusedSubject: any FusedLossBackend, filtering: Bool) {
        let sizes = Self.fusedSizes
        let inputs = fusedInputs(granularity: nil, filtering: filtering)
        let positive = positivePair(inputs)
        let logSumExp = poisoned([sizes.rows]), losses = poisoned([sizes.rows])
        for (backend, side) in [(fusedSubject, Side.subject), (reference as any FusedLossBackend, Side.reference)] {
            backend.fullLogSumExpForward(side.pick(logSumExp), losses: side.pick(losses),
                                         positiveLogits: side.pick(positive), hidden: side.pick(inputs.hidden),
                                         table: side.pick(inputs.table), targets: side.pick(inputs.targets),
                                         rows: sizes.rows, itemCount: sizes.catalog, dimension: sizes.dimension)
        }
        record("cce forward \(inputs.label): log-sum-exp, losses", [logSumExp, losses])
        let referenceLogSumExp = pair(reference.download(logSumExp.reference), [sizes.rows])
        let hiddenGradient = poisoned([sizes.rows, sizes.dimension])
        let tableGradient = randomPair([sizes.catalog + 1, sizes.dimension], scale: 0.01)
        let threshold = filtering ? GradientFilter.threshold(for: .float32) : 0
        for (backend, side) in [(fusedSubject, Side.subject), (reference as any FusedLossBackend, Side.reference)] {
            backend.fullLogSumExpBackward(hiddenGradient: side.pick(hiddenGradient), tableGradient: side.pick(tableGradient),
                                          logSumExp: side.pick(referenceLogSumExp), hidden: side.pick(inputs.hidden),
                                          table: side.pick(inputs.table), targets: side.pick(inputs.targets),
                                          rows: sizes.rows, itemCount: sizes.catalog, dimension: sizes.dimension,
                                          gradientScale: 0.7, filterThreshold: threshold)
        }
        record("cce backward \(inputs.label): d hidden", [hiddenGradient])
        record("cce backward \(inputs.label): d table", [tableGradient])
    }

    private func checkFusedSampledLoss(_ fusedSubject: any FusedLossBackend, granularity: SampledNegatives.Granularity,
                                       filtering: Bool) {
        let inputs = fusedInputs(granularity: granularity, filtering: filtering)
        guard let negatives = inputs.negatives else { return }
        recordEndToEnd("cce- loss \(inputs.label)", inputs,
                       subjectLoss: FusedSampledCrossEntropyLoss(backend: fusedSubject, gradientFiltering: filtering),
                       referenceLoss: FusedSampledCrossEntropyLoss(backend: reference, gradientFiltering: filtering),
                       negatives: negatives)
    }

    private func checkFusedFullLoss(_ fusedSubject: any FusedLossBackend, filtering: Bool) {
        let inputs = fusedInputs(granularity: nil, filtering: filtering)
        recordEndToEnd("cce loss \(inputs.label)", inputs,
                       subjectLoss: FusedCrossEntropyLoss(backend: fusedSubject, gradientFiltering: filtering),
                       referenceLoss: FusedCrossEntropyLoss(backend: reference, gradientFiltering: filtering),
                       negatives: nil)
    }

    /// Runs one training loss on both sides and records its value, dH and dE.
    private func recordEndToEnd(_ name: String, _ inputs: FusedInputs, subjectLoss: any TrainingLoss,
                                referenceLoss: any TrainingLoss,
                                negatives: (subject: SampledNegatives, reference: SampledNegatives)?) {
        let sizes = Self.fusedSizes
        let hiddenGradient = poisoned([sizes.rows, sizes.dimension])
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
                                      threshold: Self.float32Threshold))
        record("\(name): d hidden", [hiddenGradient])
        record("\(name): d table", [tableGradient])
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
