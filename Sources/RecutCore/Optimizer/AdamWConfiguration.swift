/// The hyperparameters of AdamW (PyTorch's `torch.optim.AdamW` semantics).
public struct AdamWConfiguration: Sendable, Hashable, Codable {
    /// The step size.
    public var learningRate: Double
    /// The decay of the first-moment estimate.
    public var beta1: Double
    /// The decay of the second-moment estimate.
    public var beta2: Double
    /// The term added to the root of the second moment.
    public var epsilon: Double
    /// The decoupled weight decay, applied to weights and embeddings but not to biases or norms.
    public var weightDecay: Double
    /// The largest global gradient norm; larger gradients are scaled down to it (nil: no clipping).
    public var maximumGradientNorm: Double?

    /// Describes an optimizer; the defaults are those of the reference run (Adam 1e-3,
    /// betas (0.9, 0.98), no weight decay, no clipping).
    public init(learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.98, epsilon: Double = 1e-8,
                weightDecay: Double = 0, maximumGradientNorm: Double? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.maximumGradientNorm = maximumGradientNorm
    }
}
