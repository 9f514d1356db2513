import RecutCore

/// The mixed-precision loss checks of the selftest: each loss op with the operands that
/// `MixedPrecision` makes bfloat16 (hidden states, table, hidden gradient, materialised
/// logits) against the CPU float64 reference on the same bfloat16-rounded inputs, and the
/// losses `ce`, `ce-` and `cce-` (per position) end to end with bfloat16 H, E and dH and a
/// float32 dE.
extension BackendSelftest {
    /// Runs the bfloat16 loss checks on `lossSubject` (the subject, seen as a loss backend).
    func checkBFloat16Losses(_ lossSubject: any LossBackend) {
        checkBFloat16SoftmaxCrossEntropy(lossSubject)
        checkBFloat16SampledSoftmax(lossSubject)
        checkBFloat16SigmoidBinaryCrossEntropy(lossSubject)
        for floatLogits in [false, true] { checkBFloat16GatheredDot(lossSubject, floatLogits: floatLogits) }
        if let fusedSubject = lossSubject as? any FusedLossBackend {
            for filtering in [false, true] { checkBFloat16SampledLogSumExp(fusedSubject, filtering: filtering) }
        }
        checkBFloat16LossClasses(lossSubject)
    }

    /// Targets in 1..<classes with every fifth one 0 (a padding position).
    private func bfloat16Targets(_ rows: Int, classes: Int) -> [Int32] {
        (0..<rows).map { $0 % 5 == 3 ? 0 : Int32(1 + generator.next(below: classes - 1)) }
    }

    /// Ids in 0..<catalog, so that empty slots (0) and collisions with the targets occur.
    private func bfloat16NegativeIDs(_ count: Int, catalog: Int) -> [Int32] {
        (0..<count).map { _ in Int32(generator.next(below: catalog)) }
    }

    private func checkBFloat16SoftmaxCrossEntropy(_ lossSubject: any LossBackend) {
        // An odd row length, so that rows start at every alignment of the 4-element vectors.
        let (rows, columns) = (37, 501)
        let logits = randomPair([rows, columns], scale: 6, dtype: .bfloat16)
        let (subjectTargets, referenceTargets) = idPair(bfloat16Targets(rows, classes: columns))
        let losses = poisoned([rows])
        lossSubject.softmaxCrossEntropy(losses.subject, logits: logits.subject, targets: subjectTargets,
                                        rows: rows, columns: columns, firstColumn: 1, gradientScale: 0.3)
        reference.softmaxCrossEntropy(losses.reference, logits: logits.reference, targets: referenceTargets,
                                      rows: rows, columns: columns, firstColumn: 1, gradientScale: 0.3)
        record("bf16 softmaxCrossEntropy losses", [losses], threshold: Self.bfloat16Threshold)
        record("bf16 softmaxCrossEntropy d logits", [logits], threshold: Self.bfloat16Threshold)
    }

    private func checkBFloat16SampledSoftmax(_ lossSubject: any LossBackend) {
        let (rows, negatives, catalog) = (40, 33, 50)
        let (subjectTargets, referenceTargets) = idPair(bfloat16Targets(rows, classes: catalog))
        let (subjectIDs, referenceIDs) = idPair(bfloat16NegativeIDs(rows * negatives, catalog: catalog))
        let positive = randomPair([rows], scale: 4, dtype: .bfloat16)
        let negative = randomPair([rows, negatives], scale: 4, dtype: .bfloat16)
        let logQ = randomPair([catalog], scale: 1, offset: -4)
        let losses = poisoned([rows])
        lossSubject.sampledSoftmaxCrossEntropy(
            losses.subject, positiveLogits: positive.subject, negativeLogits: negative.subject, targets: subjectTargets,
            negativeIDs: subjectIDs, logQ: .perItem(logQ.subject), rows: rows, negatives: negatives,
            rowsPerNegativeRow: 1, gradientScale: 0.7)
        reference.sampledSoftmaxCrossEntropy(
            losses.reference, positiveLogits: positive.reference, negativeLogits: negative.reference,
            targets: referenceTargets, negativeIDs: referenceIDs, logQ: .perItem(logQ.reference), rows: rows,
            negatives: negatives, rowsPerNegativeRow: 1, gradientScale: 0.7)
        record("bf16 sampledSoftmaxCE losses", [losses], threshold: Self.bfloat16Threshold)
        record("bf16 sampledSoftmaxCE d logits", [positive, negative], threshold: Self.bfloat16Threshold)
    }

    private func checkBFloat16SigmoidBinaryCrossEntropy(_ lossSubject: any LossBackend) {
        let (rows, negatives, catalog) = (40, 17, 30)
        let (subjectTargets, referenceTargets) = idPair(bfloat16Targets(rows, classes: catalog))
        let (subjectIDs, referenceIDs) = idPair(bfloat16NegativeIDs(rows * negatives, catalog: catalog))
        let positive = randomPair([rows], scale: 6, dtype: .bfloat16)
        let negative = randomPair([rows, negatives], scale: 6, dtype: .bfloat16)
        let losses = poisoned([rows])
        lossSubject.sigmoidBinaryCrossEntropy(
            losses.subject, positiveLogits: positive.subject, negativeLogits: negative.subject, targets: subjectTargets,
            negativeIDs: subjectIDs, rows: rows, negatives: negatives, rowsPerNegativeRow: 1,
            positiveWeight: 0.3, gradientScale: 0.5)
        reference.sigmoidBinaryCrossEntropy(
            losses.reference, positiveLogits: positive.reference, negativeLogits: negative.reference,
            targets: referenceTargets, negativeIDs: referenceIDs, rows: rows, negatives: negatives,
            rowsPerNegativeRow: 1, positiveWeight: 0.3, gradientScale: 0.5)
        record("bf16 sigmoidBinaryCE losses", [losses], threshold: Self.bfloat16Threshold)
        record("bf16 sigmoidBinaryCE d logits", [positive, negative], threshold: Self.bfloat16Threshold)
    }

    /// bfloat16 hidden states and table with bfloat16 logits, or float32 ones (`floatLogits`).
    private func checkBFloat16GatheredDot(_ lossSubject: any LossBackend, floatLogits: Bool) {
        let (rows, idsPerRow, dimension, tableRows) = (45, 7, 40, 60)
        let logitDType: DType = floatLogits ? .float32 : .bfloat16
        let name = floatLogits ? "bf16 gatheredDot, float32 logits" : "bf16 gatheredDot"
        let hidden = randomPair([rows, dimension], dtype: .bfloat16)
        let table = randomPair([tableRows, dimension], dtype: .bfloat16)
        let (subjectIDs, referenceIDs) = idPair(bfloat16NegativeIDs(rows * idsPerRow, catalog: tableRows))
        let logits = poisoned([rows, idsPerRow], dtype: logitDType)
        lossSubject.gatheredDotForward(logits.subject, hidden: hidden.subject, table: table.subject, ids: subjectIDs,
                                       rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        reference.gatheredDotForward(logits.reference, hidden: hidden.reference, table: table.reference,
                                     ids: referenceIDs, rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        record("\(name) forward", [logits], threshold: Self.bfloat16Threshold)
        let logitGradient = pair(random(rows * idsPerRow).enumerated().map { $0.offset % 4 == 0 ? 0 : $0.element },
                                 [rows, idsPerRow], dtype: logitDType)
        let hiddenGradient = randomPair([rows, dimension], dtype: .bfloat16)
        let tableGradient = randomPair([tableRows, dimension])
        lossSubject.gatheredDotBackward(hiddenGradient: hiddenGradient.subject, tableGradient: tableGradient.subject,
                                        logitGradient: logitGradient.subject, hidden: hidden.subject,
                                        table: table.subject, ids: subjectIDs,
                                        rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        reference.gatheredDotBackward(hiddenGradient: hiddenGradient.reference, tableGradient: tableGradient.reference,
                                      logitGradient: logitGradient.reference, hidden: hidden.reference,
                                      table: table.reference, ids: referenceIDs,
                                      rows: rows, idsPerRow: idsPerRow, dimension: dimension)
        record("\(name) backward d hidden", [hiddenGradient], threshold: Self.bfloat16Threshold)
        record("\(name) backward d table (float32)", [tableGradient], threshold: Self.bfloat16Threshold)
    }

    /// The per-position (gathered) fused passes of `cce-`: bfloat16 hidden states, table and
    /// hidden gradient; float32 positive logits, log-sum-exp, losses, log q and table gradient.
    private func checkBFloat16SampledLogSumExp(_ fusedSubject: any FusedLossBackend, filtering: Bool) {
        let (rows, negatives, dimension, catalog) = (150, 100, 40, 300)
        let label = filtering ? "filter on" : "filter off"
        let hidden = randomPair([rows, dimension], scale: filtering ? 3 : 1, dtype: .bfloat16)
        let table = randomPair([catalog + 1, dimension], dtype: .bfloat16)
        let (subjectTargets, referenceTargets) = idPair(bfloat16Targets(rows, classes: catalog + 1))
        let ids = bfloat16NegativeIDs(rows * negatives, catalog: catalog / 3 + 1)
        let subjectIDs = subject.upload(ids, shape: [rows, negatives])
        let referenceIDs = reference.upload(ids, shape: [rows, negatives])
        let logQValues = randomPair([rows, negatives], scale: 1, offset: -4)
        let logQ = (subject: LogQCorrection.perNegative(logQValues.subject),
                    reference: LogQCorrection.perNegative(logQValues.reference))
        let referencePositive = reference.makeTensor(shape: [rows], dtype: .float64)
        reference.gatheredDotForward(referencePositive, hidden: hidden.reference, table: table.reference,
                                     ids: referenceTargets, rows: rows, idsPerRow: 1, dimension: dimension)
        let positive = pair(reference.download(referencePositive), [rows])
        let logSumExp = poisoned([rows]), losses = poisoned([rows])
        fusedSubject.sampledLogSumExpForward(
            logSumExp.subject, losses: losses.subject, positiveLogits: positive.subject, hidden: hidden.subject,
            table: table.subject, targets: subjectTargets, negativeIDs: subjectIDs, logQ: logQ.subject,
            rows: rows, negatives: negatives, rowsPerNegativeRow: 1, dimension: dimension)
        reference.sampledLogSumExpForward(
            logSumExp.reference, losses: losses.reference, positiveLogits: positive.reference,
            hidden: hidden.reference, table: table.reference, targets: referenceTargets, negativeIDs: referenceIDs,
            logQ: logQ.reference, rows: rows, negatives: negatives, rowsPerNegativeRow: 1, dimension: dimension)
        record("bf16 cce- forward per position, \(label): log-sum-exp, losses", [logSumExp, losses],
               threshold: Self.bfloat16Threshold)
        let referenceLogSumExp = pair(reference.download(logSumExp.reference), [rows])
        let hiddenGradient = poisoned([rows, dimension], dtype: .bfloat16)
        let tableGradient = randomPair([catalog + 1, dimension], scale: 0.01)
        let threshold = filtering ? GradientFilter.threshold(for: .bfloat16) : 0
        fusedSubject.sampledLogSumExpBackward(
            hiddenGradient: hiddenGradient.subject, tableGradient: tableGradient.subject,
            logSumExp: referenceLogSumExp.subject, positiveLogits: positive.subject, hidden: hidden.subject,
            table: table.subject, targets: subjectTargets, negativeIDs: subjectIDs, logQ: logQ.subject,
            rows: rows, negatives: negatives, rowsPerNegativeRow: 1, dimension: dimension,
            gradientScale: 0.7, filterThreshold: threshold)
        reference.sampledLogSumExpBackward(
            hiddenGradient: hiddenGradient.reference, tableGradient: tableGradient.reference,
            logSumExp: referenceLogSumExp.reference, positiveLogits: positive.reference, hidden: hidden.reference,
            table: table.reference, targets: referenceTargets, negativeIDs: referenceIDs, logQ: logQ.reference,
            rows: rows, negatives: negatives, rowsPerNegativeRow: 1, dimension: dimension,
            gradientScale: 0.7, filterThreshold: threshold)
        record("bf16 cce- backward per position, \(label): d hidden", [hiddenGradient],
               threshold: Self.bfloat16Threshold)
        record("bf16 cce- backward per position, \(label): d table (float32)", [tableGradient],
               threshold: Self.bfloat16Threshold)
    }

    /// `ce`, `ce-` and `cce-` with per-position negatives end to end: bfloat16 H, E and dH, a
    /// float32 dE, against the float64 losses on the same rounded inputs.
    private func checkBFloat16LossClasses(_ lossSubject: any LossBackend) {
        let (rows, negatives, dimension, catalog) = (60, 20, 32, 120)
        let hidden = randomPair([rows, dimension], dtype: .bfloat16)
        let table = randomPair([catalog + 1, dimension], dtype: .bfloat16)
        let targetIDs = bfloat16Targets(rows, classes: catalog + 1)
        let targets = (subject: subject.upload(targetIDs, shape: [rows]), reference: reference.upload(targetIDs, shape: [rows]))
        let ids = bfloat16NegativeIDs(rows * negatives, catalog: catalog / 3 + 1)
        let logQ = randomPair([catalog + 1], scale: 1, offset: -4)
        let perPosition = (subject: SampledNegatives(ids: subject.upload(ids, shape: [rows, negatives]),
                                                     granularity: .perPosition, logQ: .perItem(logQ.subject)),
                           reference: SampledNegatives(ids: reference.upload(ids, shape: [rows, negatives]),
                                                       granularity: .perPosition, logQ: .perItem(logQ.reference)))
        var losses: [(name: String, subject: any TrainingLoss, reference: any TrainingLoss, usesNegatives: Bool)] = [
            ("ce", CrossEntropyLoss(backend: lossSubject), CrossEntropyLoss(backend: reference), false),
            ("ce- per position", SampledCrossEntropyLoss(backend: lossSubject), SampledCrossEntropyLoss(backend: reference),
             true),
        ]
        if let fusedSubject = lossSubject as? any FusedLossBackend {
            losses.append(("cce- per position", FusedSampledCrossEntropyLoss(backend: fusedSubject),
                           FusedSampledCrossEntropyLoss(backend: reference), true))
        }
        for loss in losses {
            let hiddenGradient = poisoned([rows, dimension], dtype: .bfloat16)
            let tableGradient = randomPair([catalog + 1, dimension], scale: 0.01)
            let actual = loss.subject.forwardBackward(
                hidden: hidden.subject, itemTable: table.subject, hiddenGradient: hiddenGradient.subject,
                itemTableGradient: tableGradient.subject, targets: targets.subject,
                negatives: loss.usesNegatives ? perPosition.subject : nil, positions: rows)
            let expected = loss.reference.forwardBackward(
                hidden: hidden.reference, itemTable: table.reference, hiddenGradient: hiddenGradient.reference,
                itemTableGradient: tableGradient.reference, targets: targets.reference,
                negatives: loss.usesNegatives ? perPosition.reference : nil, positions: rows)
            results.append(SelftestResult(operation: "bf16 \(loss.name) loss: loss", error: abs(actual - expected) / abs(expected),
                                          threshold: Self.bfloat16Threshold))
            record("bf16 \(loss.name) loss: d hidden", [hiddenGradient], threshold: Self.bfloat16Threshold)
            record("bf16 \(loss.name) loss: d table (float32)", [tableGradient], threshold: Self.bfloat16Threshold)
        }
    }
}
