import RecutCore

/// The whole-step check of the selftest: one SASRec training step (forward with dropout,
/// `ce` loss, backward, AdamW) on the subject in float32 or in mixed precision (bfloat16
/// activations) and on the CPU reference (float64, or the same mixed precision), from the
/// same initial weights, batch and dropout seed.
///
/// AdamW's first update is about learningRate * g / (|g| + epsilon), which for gradients
/// near epsilon turns float32 rounding of g into a different step: with PyTorch's epsilon
/// 1e-8 the float32 CPU backend itself misses the float64 weights by 5e-5. The check uses
/// epsilon 1e-3, under which the update is a smooth function of the gradient; the AdamW
/// kernel itself is checked with epsilon 1e-8 above.
extension BackendSelftest {
    /// What one backend's training step produced, as float64 values.
    private struct StepOutcome {
        var loss: Double
        var gradients: [Double]
        var parameters: [Double]
    }

    /// Runs the step on both backends and records the loss, the gradients and the updated weights.
    func checkTrainingStep(_ lossSubject: any LossBackend, precision: Precision) {
        let configuration = SASRecConfiguration(catalogSize: 300, maxLength: 24, dimension: 32, blocks: 2, heads: 2,
                                                dropout: 0.1)
        let batch = 3, length = 20
        // Right-aligned sequences: sequence b starts with 3b padding positions.
        var ids: [Int32] = [], targets: [Int32] = []
        for b in 0..<batch {
            for position in 0..<length {
                let padded = position < 3 * b
                ids.append(padded ? 0 : Int32(1 + generator.next(below: configuration.catalogSize)))
                targets.append(padded ? 0 : Int32(1 + generator.next(below: configuration.catalogSize)))
            }
        }
        let modelSeed = generator.next(), dropoutSeed = generator.next()
        func step(_ backend: any LossBackend, _ dtype: DType, _ precision: Precision) -> StepOutcome {
            let model = SASRec(configuration: configuration, backend: backend, dtype: dtype, precision: precision,
                               maximumBatch: batch, seed: modelSeed)
            let optimizer = AdamW(configuration: AdamWConfiguration(learningRate: 1e-2, epsilon: 1e-3, weightDecay: 0.1), layout: model.layout,
                                  backend: backend, dtype: dtype)
            let loss = CrossEntropyLoss(backend: backend)
            let idTensor = backend.upload(ids, shape: [batch, length])
            let targetTensor = backend.upload(targets, shape: [batch * length])
            let hiddenGradient = backend.makeTensor(shape: [batch * length, configuration.dimension],
                                                    dtype: model.activationDType)
            model.zeroGradients()
            let hidden = model.forward(ids: idTensor, batch: batch, length: length, seed: dropoutSeed)
            let value = loss.forwardBackward(hidden: hidden, itemTable: model.lossItemTable,
                                             hiddenGradient: hiddenGradient, itemTableGradient: model.itemEmbeddingGradient,
                                             targets: targetTensor, negatives: nil, positions: batch * length)
            model.backward(outputGradient: hiddenGradient)
            let gradients: [Double] = backend.download(model.gradients)
            optimizer.update(parameters: model.parameters, gradients: model.gradients)
            return StepOutcome(loss: value, gradients: gradients, parameters: backend.download(model.parameters))
        }
        // Mixed precision is compared with its CPU twin (the same bfloat16 roundings, float32
        // arithmetic), float32 with float64: each against the reference it should match.
        let actual = step(lossSubject, .float32, precision)
        let expected = precision == .bfloat16 ? step(reference, .float32, .bfloat16) : step(reference, .float64, .float32)
        let threshold = precision == .bfloat16 ? Self.bfloat16Threshold : Self.float32Threshold
        results.append(SelftestResult(operation: "training step \(precision): ce loss",
                                      error: abs(actual.loss - expected.loss) / abs(expected.loss),
                                      threshold: threshold))
        results.append(SelftestResult(operation: "training step \(precision): all gradients",
                                      error: Self.relativeError(actual.gradients, expected.gradients),
                                      threshold: threshold))
        results.append(SelftestResult(operation: "training step \(precision): weights after AdamW",
                                      error: Self.relativeError(actual.parameters, expected.parameters),
                                      threshold: threshold))
    }
}
