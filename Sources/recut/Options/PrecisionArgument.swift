import ArgumentParser
import RecutCore

/// Lets `--precision fp32|bf16` name a `Precision` directly.
extension Precision: ExpressibleByArgument {}
