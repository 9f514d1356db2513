import RecutCore

extension CPUBackend {
    public func sampledSoftmaxCrossEntropy(_ losses: Tensor, positiveLogits: Tensor, negativeLogits: Tensor,
                                           targets: Tensor, negativeIDs: Tensor, logQ: LogQCorrection?,
                                           rows: Int, negatives: Int, rowsPerNegativeRow: Int,
                                           gradientScale: Double) {
        if widenedBFloat16([losses, positiveLogits, negativeLogits, targets, negativeIDs] + logQ.operands,
                            written: [0, 1, 2], { t in
            sampledSoftmaxCrossEntropy(t[0], positiveLogits: t[1], negativeLogits: t[2], targets: t[3], negativeIDs: t[4],
                                       logQ: logQ?.reading(t[5]), rows: rows, negatives: negatives,
                                       rowsPerNegativeRow: rowsPerNegativeRow, gradientScale: gradientScale)
        }) != nil { return }
        checkSampledOperands(losses, positiveLogits, negativeLogits, targets, rows: rows, negatives: negatives)
        let slots = NegativeSlots(ids: negativeIDs, rows: rows, negatives: negatives,
                                  rowsPerNegativeRow: rowsPerNegativeRow)
        let targetPointer = targets.pointer(as: Int32.self)
        let dtype = losses.dtype
        dispatch(dtype) {
            sampledSoftmaxKernel(losses.pointer(as: Float.self), positiveLogits.pointer(as: Float.self),
                                 negativeLogits.pointer(as: Float.self), targetPointer, slots,
                                 LogQShift(logQ, negatives: negatives, dtype: dtype), rows, Float(gradientScale))
        } double: {
            sampledSoftmaxKernel(losses.pointer(as: Double.self), positiveLogits.pointer(as: Double.self),
                                 negativeLogits.pointer(as: Double.self), targetPointer, slots,
                                 LogQShift(logQ, negatives: negatives, dtype: dtype), rows, gradientScale)
        }
    }

    /// The shape checks shared by the sampled loss kernels.
    func checkSampledOperands(_ losses: Tensor, _ positiveLogits: Tensor, _ negativeLogits: Tensor,
                              _ targets: Tensor, rows: Int, negatives: Int) {
        precondition(losses.count >= rows && positiveLogits.count >= rows && negativeLogits.count >= rows * negatives,
                     "sampled loss: tensors smaller than \(rows) rows of \(negatives) negatives")
        precondition(losses.dtype == positiveLogits.dtype && losses.dtype == negativeLogits.dtype,
                     "sampled loss: losses and logits must share one dtype")
        precondition(targets.dtype == .int32 && targets.count >= rows, "sampled loss: need \(rows) int32 targets")
    }
}

/// Parallel layout: each chunk owns a range of rows (their loss, positive and negative logits).
private func sampledSoftmaxKernel<S: CPUScalar>(
    _ losses: UnsafeMutablePointer<S>, _ positive: UnsafeMutablePointer<S>, _ negative: UnsafeMutablePointer<S>,
    _ targets: UnsafeMutablePointer<Int32>, _ slots: NegativeSlots, _ logQ: LogQShift<S>, _ rows: Int, _ scale: S
) {
    let k = slots.negatives
    parallelChunks(count: rows, minimumChunk: max(1, elementwiseChunk / max(k, 1) / 4)) { _, range in
        for r in range {
            let z = negative + r * k, first = slots.firstSlot(ofRow: r), target = targets[r]
            guard target != 0 else {
                losses[r] = 0
                positive[r] = 0
                z.update(repeating: 0, count: k)
                continue
            }
            // The corrected logits are recomputed in each pass instead of stored.
            var maximum = positive[r]
            for j in 0..<k where slots.counts(first + j, target: target) {
                maximum = max(maximum, z[j] - logQ.shift(slot: first + j, id: slots.ids[first + j]))
            }
            var sum = S.exponential(positive[r] - maximum)
            for j in 0..<k where slots.counts(first + j, target: target) {
                sum += S.exponential(z[j] - logQ.shift(slot: first + j, id: slots.ids[first + j]) - maximum)
            }
            let logSumExp = maximum + S.logarithm(sum)
            losses[r] = logSumExp - positive[r]
            positive[r] = scale * (S.exponential(positive[r] - logSumExp) - 1)
            for j in 0..<k {
                let slot = first + j
                z[j] = slots.counts(slot, target: target)
                    ? scale * S.exponential(z[j] - logQ.shift(slot: slot, id: slots.ids[slot]) - logSumExp)
                    : 0
            }
        }
    }
}
