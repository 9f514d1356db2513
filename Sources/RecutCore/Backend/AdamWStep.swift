/// The scalars of one AdamW update, passed to the backend's fused AdamW op.
public struct AdamWStep: Sendable, Hashable {
    /// The step size.
    public var learningRate: Double
    /// The decay of the first-moment (mean) estimate.
    public var beta1: Double
    /// The decay of the second-moment (uncentred variance) estimate.
    public var beta2: Double
    /// The term added to the root of the second moment to avoid division by zero.
    public var epsilon: Double
    /// The decoupled weight decay (0 for elements that take none).
    public var weightDecay: Double
    /// The 1-based number of this update, used for bias correction.
    public var step: Int
    /// A factor applied to every gradient before use (global-norm clipping), 1 otherwise.
    public var gradientScale: Double

    /// Collects the scalars of one update.
    public init(learningRate: Double, beta1: Double, beta2: Double, epsilon: Double,
                weightDecay: Double, step: Int, gradientScale: Double = 1) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.step = step
        self.gradientScale = gradientScale
    }
}
