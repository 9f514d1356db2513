import RecutCore

/// The `LossBackend` checks of the selftest: every loss kernel against the CPU float64
/// reference, gradients included, with padding targets, empty negative slots and negatives
/// that collide with the target among the inputs; in float32 and with the operands that
/// `MixedPrecision` makes bfloat16 (hidden states, table, hidden gradient, materialised
/// logits), on the same bfloat16-rounded inputs.
extension BackendSelftest {
    /// Runs the loss checks with `dtype` operands on `lossSubject` (the subject, seen as a loss backend).
    func checkLosses(_ lossSubject: any LossBackend, dtype: DType) {
        checkSoftmaxCrossEntropy(lossSubject, dtype: dtype)
        // Float32 meets each granularity with its own log-q mode; mixed precision the
        // per-position kernels with log q per item.
        let sampled: [(SampledNegatives.Granularity, LogQKind)] = dtype == .float32
            ? [(.perPosition, .none), (.perSequence, .perItem), (.perBatch, .perNegative)]
            : [(.perPosition, .perItem)]
        for (granularity, logQ) in sampled {
            checkSampledSoftmax(lossSubject, granularity: granularity, logQ: logQ, dtype: dtype)
        }
        checkSigmoidBinaryCrossEntropy(lossSubject, dtype: dtype)
        // Mixed precision takes logits of either dtype.
        for logits in dtype == .float32 ? [DType.float32] : [.bfloat16, .float32] {
            checkGatheredDot(lossSubject, dtype: dtype, logits: logits)
        }
    }

    /// Targets in 1..<classes with every fifth one 0 (a padding position).
    func targetIDs(_ rows: Int, classes: Int) -> [Int32] {
        (0..<rows).map { $0 % 5 == 3 ? 0 : Int32(1 + generator.next(below: classes - 1)) }
    }

    /// The ids of `count` negatives in 0..<catalog; over a small catalog, empty slots (0) and
    /// collisions with the targets occur.
    func negativeIDs(_ count: Int, catalog: Int) -> [Int32] {
        (0..<count).map { _ in Int32(generator.next(below: catalog)) }
    }

    /// Which log-q correction a sampled-loss check gives both sides.
    enum LogQKind {
        case none
        case perItem
        case perNegative

        /// The words check names use.
        var label: String {
            switch self {
            case .none: "no log q"
            case .perItem: "log q per item"
            case .perNegative: "log q per negative"
            }
        }
    }

    /// A float32 log-q correction of `kind`, over `items` catalog ids or a `negativeShape` of negatives.
    func logQPair(_ kind: LogQKind, items: Int, negativeShape: [Int])
        -> (subject: LogQCorrection?, reference: LogQCorrection?) {
        switch kind {
        case .none: return (nil, nil)
        case .perItem:
            let values = randomPair([items], scale: 1, offset: -4)
            return (.perItem(values.subject), .perItem(values.reference))
        case .perNegative:
            let values = randomPair(negativeShape, scale: 1, offset: -4)
            return (.perNegative(values.subject), .perNegative(values.reference))
        }
    }

    /// The words check names use for `granularity`.
    static func label(_ granularity: SampledNegatives.Granularity) -> String {
        switch granularity {
        case .perPosition: "per position"
        case .perSequence: "per sequence"
        case .perBatch: "per batch"
        }
    }

    private func checkSoftmaxCrossEntropy(_ lossSubject: any LossBackend, dtype: DType) {
        // An odd row length, so that rows start at every alignment of the 4-element vectors.
        let (rows, columns) = (37, 501)
        let logits = randomPair([rows, columns], scale: 6, dtype: dtype)
        let (subjectTargets, referenceTargets) = idPair(targetIDs(rows, classes: columns))
        let losses = poisoned([rows])
        lossSubject.softmaxCrossEntropy(losses.subject, logits: logits.subject, targets: subjectTargets,
                                        rows: rows, columns: columns, firstColumn: 1, gradientScale: 0.3)
        reference.softmaxCrossEntropy(losses.reference, logits: logits.reference, targets: referenceTargets,
                                      rows: rows, columns: columns, firstColumn: 1, gradientScale: 0.3)
        record(Self.name("softmaxCrossEntropy losses", dtype), [losses], threshold: Self.threshold(for: dtype))
        record(Self.name("softmaxCrossEntropy d logits", dtype), [logits], threshold: Self.threshold(for: dtype))
    }

    private func checkSampledSoftmax(_ lossSubject: any LossBackend, granularity: SampledNegatives.Granularity,
                                     logQ logQKind: LogQKind, dtype: DType) {
        let (rows, negatives, length, catalog) = (40, 33, 8, 50)
        let idRows: Int, rowsPerNegativeRow: Int
        switch granularity {
        case .perPosition: (idRows, rowsPerNegativeRow) = (rows, 1)
        case .perSequence: (idRows, rowsPerNegativeRow) = (rows / length, length)
        case .perBatch: (idRows, rowsPerNegativeRow) = (1, rows)
        }
        let (subjectTargets, referenceTargets) = idPair(targetIDs(rows, classes: catalog))
        let (subjectIDs, referenceIDs) = idPair(negativeIDs(idRows * negatives, catalog: catalog))
        let positive = randomPair([rows], scale: 4, dtype: dtype)
        let negative = randomPair([rows, negatives], scale: 4, dtype: dtype)
        let losses = poisoned([rows])
        let logQ = logQPair(logQKind, items: catalog, negativeShape: [idRows * negatives])
        lossSubject.sampledSoftmaxCrossEntropy(
            losses.subject, positiveLogits: positive.subject, negativeLogits: negative.subject, targets: subjectTargets,
            negativeIDs: subjectIDs, logQ: logQ.subject, rows: rows, negatives: negatives,
            rowsPerNegativeRow: rowsPerNegativeRow, gradientScale: 0.7)
        reference.sampledSoftmaxCrossEntropy(
            losses.reference, positiveLogits: positive.reference, negativeLogits: negative.reference,
            targets: referenceTargets, negativeIDs: referenceIDs, logQ: logQ.reference, rows: rows,
            negatives: negatives, rowsPerNegativeRow: rowsPerNegativeRow, gradientScale: 0.7)
        let name = Self.name("sampledSoftmaxCE \(Self.label(granularity)), \(logQKind.label)", dtype)
        record("\(name): losses", [losses], threshold: Self.threshold(for: dtype))
        record("\(name): d logits", [positive, negative], threshold: Self.threshold(for: dtype))
    }

    private func checkSigmoidBinaryCrossEntropy(_ lossSubject: any LossBackend, dtype: DType) {
        let (rows, negatives, catalog) = (40, 17, 30)
        let (subjectTargets, referenceTargets) = idPair(targetIDs(rows, classes: catalog))
        let (subjectIDs, referenceIDs) = idPair(negativeIDs(rows * negatives, catalog: catalog))
        let positive = randomPair([rows], scale: 6, dtype: dtype)
        let negative = randomPair([rows, negatives], scale: 6, dtype: dtype)
        let losses = poisoned([rows])
        lossSubject.sigmoidBinaryCrossEntropy(
            losses.subject, positiveLogits: positive.subject, negativeLogits: negative.subject, targets: subjectTargets,
            negativeIDs: subjectIDs, rows: rows, negatives: negatives, rowsPerNegativeRow: 1,
            positiveWeight: 0.3, gradientScale: 0.5)
        reference.sigmoidBinaryCrossEntropy(
            losses.reference, positiveLogits: positive.reference, negativeLogits: negative.reference,
            targets: referenceTargets, negativeIDs: referenceIDs, rows: rows, negatives: negatives,
            rowsPerNegativeRow: 1, positiveWeight: 0.3, gradientScale: 0.5)
        record(Self.name("sigmoidBinaryCE losses", dtype), [losses], threshold: Self.threshold(for: dtype))
        record(Self.name("sigmoidBinaryCE d logits", dtype), [positive, negative], threshold: Self.threshold(for: dtype))
    }

    /// `dtype` hidden states, table and hidden gradient, `logits` logits and logit gradient,
    /// and a float32 table gradient.
    private func checkGatheredDot(_ lossSubject: any LossBackend, dtype: DType, logits logitDType: DType) {
        let (rows, idsPerRow, dimension, tableRows) = (45, 7, 40, 60)
        let threshold = Self.threshold(for: dtype)
        let mixed = logitDType == dtype ? "" : ", \(logitDType) logits"
        let hidden = randomPair([rows, dimension], dtype: dtype), table = randomPair([tableRows, dimension], dtype: dtype)
        let (subjectIDs, referenceIDs) = idPair(negativeIDs(rows * idsPerRow, catalog: tableRows))
        let logits = poisoned([rows, idsPerRow], dtype: logitDType)
        lossSubject.gatheredDotForward(logits.subject, hidden: hidden.subject, table: table.subject, ids: subjectIDs,
                                       rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        reference.gatheredDotForward(logits.reference, hidden: hidden.reference, table: table.reference,
                                     ids: referenceIDs, rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        record(Self.name("gatheredDotForward", dtype, mixed: mixed), [logits], threshold: threshold)
        let logitGradient = pair(random(rows * idsPerRow).enumerated().map { $0.offset % 4 == 0 ? 0 : $0.element },
                                 [rows, idsPerRow], dtype: logitDType)
        let hiddenGradient = randomPair([rows, dimension], dtype: dtype)
        let tableGradient = randomPair([tableRows, dimension])
        lossSubject.gatheredDotBackward(hiddenGradient: hiddenGradient.subject, tableGradient: tableGradient.subject,
                                        logitGradient: logitGradient.subject, hidden: hidden.subject,
                                        table: table.subject, ids: subjectIDs,
                                        rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        reference.gatheredDotBackward(hiddenGradient: hiddenGradient.reference, tableGradient: tableGradient.reference,
                                      logitGradient: logitGradient.reference, hidden: hidden.reference,
                                      table: table.reference, ids: referenceIDs,
                                      rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        record(Self.name("gatheredDotBackward d hidden", dtype, mixed: mixed), [hiddenGradient], threshold: threshold)
        record(Self.name("gatheredDotBackward d table (scatter-add)", dtype, mixed: mixed), [tableGradient],
               threshold: threshold)
    }

    /// countNonzero over int32 ids and sum over float32 values.
    func checkLossReductions(_ lossSubject: any LossBackend) {
        let ids = negativeIDs(10_007, catalog: 4)
        let (subjectIDs, referenceIDs) = idPair(ids)
        let counted = lossSubject.countNonzero(subjectIDs, count: ids.count - 3)
        let expected = reference.countNonzero(referenceIDs, count: ids.count - 3)
        results.append(SelftestResult(operation: "countNonzero", error: Double(abs(counted - expected)), threshold: 0))
        let values = randomPair([10_007], offset: 0.2)
        let total = lossSubject.sum(values.subject, count: 10_000)
        let expectedTotal = reference.sum(values.reference, count: 10_000)
        results.append(SelftestResult(operation: "sum", error: abs(total - expectedTotal) / abs(expectedTotal),
                                      threshold: Self.float32Threshold))
    }
}
