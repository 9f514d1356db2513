import Foundation

/// The learning rate at each optimizer step: a linear warmup, then constant or a cosine decay.
public struct LearningRateSchedule: Sendable, Equatable {
    /// What follows the warmup.
    public enum Shape: String, Codable, Sendable, CaseIterable {
        /// Stay at the peak rate.
        case constant
        /// Half a cosine from the peak down to the floor, reached at the last step.
        case cosine
    }

    /// Rate after the warmup (the configured `lr`).
    public var peak: Double
    /// Steps of linear warmup; 0 starts at the peak.
    public var warmupSteps: Int
    /// Constant or cosine after the warmup.
    public var shape: Shape
    /// Total optimizer steps of the run (warmup included); the cosine ends here.
    public var totalSteps: Int
    /// Rate the cosine decays to.
    public var floor: Double

    /// Makes a schedule; `totalSteps` and `floor` matter only for the cosine.
    public init(peak: Double, warmupSteps: Int = 0, shape: Shape = .constant, totalSteps: Int = 0, floor: Double = 0) {
        precondition(warmupSteps >= 0 && totalSteps >= 0, "step counts must not be negative")
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.shape = shape
        self.totalSteps = totalSteps
        self.floor = floor
    }

    /// The rate for the optimizer step numbered `step` (0 for the first step).
    ///
    /// Warmup step s uses peak * (s + 1) / warmupSteps, so the first step already moves the
    /// weights and step warmupSteps - 1 reaches the peak. Past `totalSteps` the cosine stays
    /// at the floor.
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        switch shape {
        case .constant:
            return peak
        case .cosine:
            let decaySteps = totalSteps - warmupSteps
            guard decaySteps > 0 else { return floor }
            let progress = min(1, Double(step - warmupSteps) / Double(decaySteps))
            return floor + (peak - floor) * 0.5 * (1 + cos(Double.pi * progress))
        }
    }
}
