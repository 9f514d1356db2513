import RecutCore

/// Skips a step whose loss or gradients are NaN or infinite (`on-nonfinite = skip-step`), decided
/// on the backend so that steps never wait for it: the step's loss goes to `stepLoss` rather than
/// straight into the epoch's sum, and joins that sum, as the update applies, only when the gate
/// stayed open; otherwise `skippedSteps` counts the step.
struct StepGate {
    /// Float32 [1]; open while it holds 1 (see `Backend.clearGateIfNonFinite`).
    let gate: Tensor
    /// The step's mean loss (float64 [1]).
    let stepLoss: Tensor
    /// Steps of this epoch skipped so far (float64 [1]).
    let skippedSteps: Tensor

    init(backend: any Backend) {
        gate = backend.makeTensor(shape: [1], dtype: .float32)
        stepLoss = backend.makeTensor(shape: [1], dtype: .float64)
        skippedSteps = backend.makeTensor(shape: [1], dtype: .float64)
    }

    /// Opens the gate for a new step and returns the tensor its loss is to be added to.
    func open(on backend: any Backend) -> Tensor {
        backend.fill(gate, with: 1)
        backend.fill(stepLoss, with: 0)
        return stepLoss
    }

    /// Closes the gate when the step's loss or its (averaged) gradients are not finite, or when
    /// another rank's gate closed, then adds the loss to `epochLossSum` or counts the skip.
    func decide(on backend: any Backend, gradients: Tensor, parallelism: DataParallelism,
                epochLossSum: Tensor) throws {
        backend.clearGateIfNonFinite(gate, values: stepLoss, count: 1)
        backend.clearGateIfNonFinite(gate, values: gradients, count: gradients.count)
        if parallelism.worldSize > 1 { try parallelism.averageGradients(gate) }
        backend.commitGated(stepLoss, gate: gate, total: epochLossSum, skipped: skippedSteps)
    }

    /// The steps of this epoch skipped so far (waits for the queued steps).
    func readSkippedSteps(on backend: any Backend) -> Int {
        Int((backend.download(skippedSteps) as [Double])[0])
    }
}
