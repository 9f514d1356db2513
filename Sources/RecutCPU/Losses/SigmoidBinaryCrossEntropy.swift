import RecutCore

extension CPUBackend {
    public func sigmoidBinaryCrossEntropy(_ losses: Tensor, positiveLogits: Tensor, negativeLogits: Tensor,
                                          targets: Tensor, negativeIDs: Tensor,
                                          rows: Int, negatives: Int, rowsPerNegativeRow: Int,
                                          positiveWeight: Double, gradientScale: Double) {
        if widenedBFloat16([losses, positiveLogits, negativeLogits, targets, negativeIDs], written: [0, 1, 2], { t in
            sigmoidBinaryCrossEntropy(t[0], positiveLogits: t[1], negativeLogits: t[2], targets: t[3], negativeIDs: t[4],
                                      rows: rows, negatives: negatives, rowsPerNegativeRow: rowsPerNegativeRow,
                                      positiveWeight: positiveWeight, gradientScale: gradientScale)
        }) != nil { return }
        checkSampledOperands(losses, positiveLogits, negativeLogits, targets, rows: rows, negatives: negatives)
        let slots = NegativeSlots(ids: negativeIDs, rows: rows, negatives: negatives,
                                  rowsPerNegativeRow: rowsPerNegativeRow)
        let targetPointer = targets.pointer(as: Int32.self)
        dispatch(losses.dtype) {
            sigmoidBinaryCrossEntropyKernel(losses.pointer(as: Float.self), positiveLogits.pointer(as: Float.self),
                                            negativeLogits.pointer(as: Float.self), targetPointer, slots, rows,
                                            Float(positiveWeight), Float(gradientScale))
        } double: {
            sigmoidBinaryCrossEntropyKernel(losses.pointer(as: Double.self), positiveLogits.pointer(as: Double.self),
                                            negativeLogits.pointer(as: Double.self), targetPointer, slots, rows,
                                            positiveWeight, gradientScale)
        }
    }
}

/// log(1 + e^x) = -log σ(-x), without overflow for large |x|.
@inline(__always)
private func softplus<S: CPUScalar>(_ x: S) -> S {
    max(x, 0) + S.logarithm(1 + S.exponential(-abs(x)))
}

/// σ(x) = 1 / (1 + e^-x), without overflow for large |x|.
@inline(__always)
private func sigmoid<S: CPUScalar>(_ x: S) -> S {
    if x >= 0 { return 1 / (1 + S.exponential(-x)) }
    let e = S.exponential(x)
    return e / (1 + e)
}

/// Parallel layout: each chunk owns a range of rows (their loss, positive and negative logits).
private func sigmoidBinaryCrossEntropyKernel<S: CPUScalar>(
    _ losses: UnsafeMutablePointer<S>, _ positive: UnsafeMutablePointer<S>, _ negative: UnsafeMutablePointer<S>,
    _ targets: UnsafeMutablePointer<Int32>, _ slots: NegativeSlots, _ rows: Int, _ positiveWeight: S, _ scale: S
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
            var loss = positiveWeight * softplus(-positive[r])
            positive[r] = scale * positiveWeight * (sigmoid(positive[r]) - 1)
            for j in 0..<k {
                if slots.counts(first + j, target: target) {
                    loss += softplus(z[j])
                    z[j] = scale * sigmoid(z[j])
                } else {
                    z[j] = 0
                }
            }
            losses[r] = loss
        }
    }
}
