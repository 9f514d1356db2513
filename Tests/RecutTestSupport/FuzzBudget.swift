import Foundation

/// Seconds each fuzz test runs: 2 by default, so that CI stays fast; set RECUT_FUZZ_SECONDS
/// for a longer search, and RECUT_FUZZ_SEED to replay one (the seed is printed on failure).
public enum FuzzBudget {
    public static var seconds: Double {
        ProcessInfo.processInfo.environment["RECUT_FUZZ_SECONDS"].flatMap(Double.init) ?? 2
    }

    /// The test's time limit: the budget and a minute to spare, for a hang to fail it.
    public static var timeLimitMinutes: Int { Int((seconds / 60).rounded(.up)) + 1 }

    public static var seed: UInt64 {
        ProcessInfo.processInfo.environment["RECUT_FUZZ_SEED"].flatMap { UInt64($0) }
            ?? UInt64(Date().timeIntervalSince1970 * 1000)
    }
}
