/// AdamW over a flat parameter buffer, one fused backend op per step.
///
/// The moments share the parameters' layout, so each slice of the optimizer state can be
/// checkpointed under its parameter's name and restored exactly.
public final class AdamW {
    /// The hyperparameters; change `learningRate` between steps for schedules.
    public var configuration: AdamWConfiguration
    /// The device holding the state.
    public let backend: any Backend
    /// The layout of the parameters (and of the moments).
    public let layout: ParameterLayout
    /// The running mean of the gradients, laid out like the parameters.
    public let firstMoment: Tensor
    /// The running mean of the squared gradients, laid out like the parameters.
    public let secondMoment: Tensor
    /// The runs of the buffer updated with and without weight decay (see `ParameterLayout.decayRuns`).
    private let decayRuns: [ParameterLayout.DecayRun]
    /// The number of updates taken so far (restore it together with the moments).
    public var step = 0

    /// Creates zeroed state for parameters of `layout` stored as `dtype`.
    public init(configuration: AdamWConfiguration, layout: ParameterLayout, backend: any Backend, dtype: DType) {
        self.configuration = configuration
        self.backend = backend
        self.layout = layout
        firstMoment = backend.makeTensor(shape: [layout.totalCount], dtype: dtype)
        secondMoment = backend.makeTensor(shape: [layout.totalCount], dtype: dtype)
        decayRuns = layout.decayRuns
    }

    /// Applies one update to `parameters` from `gradients` (flat buffers of `layout`), unless
    /// `gate` is closed (see `Backend.clearGateIfNonFinite`), and returns the global gradient
    /// norm before clipping when clipping is on (nil otherwise, since computing it waits for
    /// the device). A gated-off update still counts in `step`, as the learning-rate schedule does.
    @discardableResult
    public func update(parameters: Tensor, gradients: Tensor, gate: Tensor? = nil) -> Double? {
        precondition(parameters.count == layout.totalCount && gradients.count == layout.totalCount,
                     "AdamW expects flat buffers of \(layout.totalCount) elements")
        var gradientScale = 1.0
        var norm: Double?
        if let maximum = configuration.maximumGradientNorm {
            let total = backend.sumOfSquares(gradients, count: gradients.count).squareRoot()
            gradientScale = min(1, maximum / (total + 1e-6))
            norm = total
        }
        step += 1
        // One fused op per run: weight decay is on or off for a whole run (biases, norms and
        // alignment gaps take none), so no per-element mask the size of the parameters is needed.
        for run in decayRuns {
            let settings = AdamWStep(learningRate: configuration.learningRate, beta1: configuration.beta1,
                                     beta2: configuration.beta2, epsilon: configuration.epsilon,
                                     weightDecay: run.decays ? configuration.weightDecay : 0, step: step,
                                     gradientScale: gradientScale)
            func slice(_ buffer: Tensor) -> Tensor { buffer.view(offset: run.range.lowerBound, shape: [run.range.count]) }
            backend.adamW(parameters: slice(parameters), gradients: slice(gradients), firstMoment: slice(firstMoment),
                          secondMoment: slice(secondMoment), count: run.range.count, step: settings, gate: gate)
        }
        return norm
    }

    /// The optimizer state as named tensors for checkpoints: `<parameter>.exp_avg` and
    /// `<parameter>.exp_avg_sq` views per parameter (PyTorch's names); `step` is separate.
    public func namedState() -> [(name: String, tensor: Tensor)] {
        layout.entries.flatMap { entry in
            [(entry.name + ".exp_avg", layout.view(of: entry, in: firstMoment)),
             (entry.name + ".exp_avg_sq", layout.view(of: entry, in: secondMoment))]
        }
    }
}
