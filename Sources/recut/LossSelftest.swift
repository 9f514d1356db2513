import RecutCore

/// The `LossBackend` checks of the selftest: every loss kernel against the CPU float64
/// reference, gradients included, with padding targets, empty negative slots and negatives
/// that collide with the target among the inputs.
extension BackendSelftest {
    /// Runs the loss checks on `lossSubject` (the subject, seen as a loss backend).
    func checkLosses(_ lossSubject: any LossBackend) {
        checkSoftmaxCrossEntropy(lossSubject)
        for granularity in [SampledNegatives.Granularity.perPosition, .perSequence, .perBatch] {
            checkSampledSoftmax(lossSubject, granularity: granularity)
        }
        checkSigmoidBinaryCrossEntropy(lossSubject)
        checkGatheredDot(lossSubject)
        checkLossReductions(lossSubject)
    }

    /// Targets in 1..<classes with every fifth one 0 (a padding position).
    private func targetIDs(_ rows: Int, classes: Int) -> [Int32] {
        (0..<rows).map { $0 % 5 == 3 ? 0 : Int32(1 + generator.next(below: classes - 1)) }
    }

    private func checkSoftmaxCrossEntropy(_ lossSubject: any LossBackend) {
        let (rows, columns) = (37, 501)
        let logits = randomPair([rows, columns], scale: 6)
        let (subjectTargets, referenceTargets) = idPair(targetIDs(rows, classes: columns))
        let losses = poisoned([rows])
        lossSubject.softmaxCrossEntropy(losses.subject, logits: logits.subject, targets: subjectTargets,
                                        rows: rows, columns: columns, firstColumn: 1, gradientScale: 0.3)
        reference.softmaxCrossEntropy(losses.reference, logits: logits.reference, targets: referenceTargets,
                                      rows: rows, columns: columns, firstColumn: 1, gradientScale: 0.3)
        record("softmaxCrossEntropy losses", [losses])
        record("softmaxCrossEntropy d logits", [logits])
    }

    /// The ids of `count` negatives over a small catalog, so that empty slots (0) and
    /// collisions with the targets occur.
    private func negativeIDs(_ count: Int, catalog: Int) -> [Int32] {
        (0..<count).map { _ in Int32(generator.next(below: catalog)) }
    }

    private func checkSampledSoftmax(_ lossSubject: any LossBackend, granularity: SampledNegatives.Granularity) {
        let (rows, negatives, length, catalog) = (40, 33, 8, 50)
        let idRows: Int, rowsPerNegativeRow: Int, name: String
        switch granularity {
        case .perPosition: (idRows, rowsPerNegativeRow, name) = (rows, 1, "per position, no log q")
        case .perSequence: (idRows, rowsPerNegativeRow, name) = (rows / length, length, "per sequence, log q per item")
        case .perBatch: (idRows, rowsPerNegativeRow, name) = (1, rows, "per batch, log q per negative")
        }
        let (subjectTargets, referenceTargets) = idPair(targetIDs(rows, classes: catalog))
        let (subjectIDs, referenceIDs) = idPair(negativeIDs(idRows * negatives, catalog: catalog))
        let positive = randomPair([rows], scale: 4), negative = randomPair([rows, negatives], scale: 4)
        let losses = poisoned([rows])
        let logQ: (subject: LogQCorrection?, reference: LogQCorrection?)
        switch granularity {
        case .perPosition: logQ = (nil, nil)
        case .perSequence:
            let values = randomPair([catalog], scale: 1, offset: -4)
            logQ = (.perItem(values.subject), .perItem(values.reference))
        case .perBatch:
            let values = randomPair([idRows * negatives], scale: 1, offset: -4)
            logQ = (.perNegative(values.subject), .perNegative(values.reference))
        }
        lossSubject.sampledSoftmaxCrossEntropy(
            losses.subject, positiveLogits: positive.subject, negativeLogits: negative.subject, targets: subjectTargets,
            negativeIDs: subjectIDs, logQ: logQ.subject, rows: rows, negatives: negatives,
            rowsPerNegativeRow: rowsPerNegativeRow, gradientScale: 0.7)
        reference.sampledSoftmaxCrossEntropy(
            losses.reference, positiveLogits: positive.reference, negativeLogits: negative.reference,
            targets: referenceTargets, negativeIDs: referenceIDs, logQ: logQ.reference, rows: rows,
            negatives: negatives, rowsPerNegativeRow: rowsPerNegativeRow, gradientScale: 0.7)
        record("sampledSoftmaxCE \(name): losses", [losses])
        record("sampledSoftmaxCE \(name): d logits", [positive, negative])
    }

    private func checkSigmoidBinaryCrossEntropy(_ lossSubject: any LossBackend) {
        let (rows, negatives, catalog) = (40, 17, 30)
        let (subjectTargets, referenceTargets) = idPair(targetIDs(rows, classes: catalog))
        let (subjectIDs, referenceIDs) = idPair(negativeIDs(rows * negatives, catalog: catalog))
        let positive = randomPair([rows], scale: 6), negative = randomPair([rows, negatives], scale: 6)
        let losses = poisoned([rows])
        lossSubject.sigmoidBinaryCrossEntropy(
            losses.subject, positiveLogits: positive.subject, negativeLogits: negative.subject, targets: subjectTargets,
            negativeIDs: subjectIDs, rows: rows, negatives: negatives, rowsPerNegativeRow: 1,
            positiveWeight: 0.3, gradientScale: 0.5)
        reference.sigmoidBinaryCrossEntropy(
            losses.reference, positiveLogits: positive.reference, negativeLogits: negative.reference,
            targets: referenceTargets, negativeIDs: referenceIDs, rows: rows, negatives: negatives,
            rowsPerNegativeRow: 1, positiveWeight: 0.3, gradientScale: 0.5)
        record("sigmoidBinaryCE losses", [losses])
        record("sigmoidBinaryCE d logits", [positive, negative])
    }

    private func checkGatheredDot(_ lossSubject: any LossBackend) {
        let (rows, idsPerRow, dimension, tableRows) = (45, 7, 40, 60)
        let hidden = randomPair([rows, dimension]), table = randomPair([tableRows, dimension])
        let (subjectIDs, referenceIDs) = idPair(negativeIDs(rows * idsPerRow, catalog: tableRows))
        let logits = poisoned([rows, idsPerRow])
        lossSubject.gatheredDotForward(logits.subject, hidden: hidden.subject, table: table.subject, ids: subjectIDs,
                                       rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        reference.gatheredDotForward(logits.reference, hidden: hidden.reference, table: table.reference,
                                     ids: referenceIDs, rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        record("gatheredDotForward", [logits])
        let logitGradient = pair(random(rows * idsPerRow).enumerated().map { $0.offset % 4 == 0 ? 0 : $0.element },
                                 [rows, idsPerRow])
        let hiddenGradient = randomPair([rows, dimension]), tableGradient = randomPair([tableRows, dimension])
        lossSubject.gatheredDotBackward(hiddenGradient: hiddenGradient.subject, tableGradient: tableGradient.subject,
                                        logitGradient: logitGradient.subject, hidden: hidden.subject,
                                        table: table.subject, ids: subjectIDs,
                                        rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        reference.gatheredDotBackward(hiddenGradient: hiddenGradient.reference, tableGradient: tableGradient.reference,
                                      logitGradient: logitGradient.reference, hidden: hidden.reference,
                                      table: table.reference, ids: referenceIDs,
                                      rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        record("gatheredDotBackward d hidden", [hiddenGradient])
        record("gatheredDotBackward d table (scatter-add)", [tableGradient])
    }

    private func checkLossReductions(_ lossSubject: any LossBackend) {
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
