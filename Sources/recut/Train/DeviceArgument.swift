import ArgumentParser
import RecutTrain

/// Lets `--device auto|cpu|cuda` name a `TrainingConfig.Device` directly.
extension TrainingConfig.Device: ExpressibleByArgument {}
