import Dispatch
import Foundation
import RecutData

/// Prepares the next step's inputs (batch assembly) on a background thread while the current
/// step computes: a one-slot prefetch.
///
/// The inputs are a pure function of their key, so a prefetched step is identical to one
/// prepared on the spot; a `take` whose key was not prefetched simply prepares it in place.
/// Call `prefetch` and `take` from one thread (the trainer's).
final class StepPrefetcher: @unchecked Sendable {
    private let queue = DispatchQueue(label: "recut.step-prefetch", qos: .userInitiated)
    private let inFlight = DispatchGroup()
    private let lock = NSLock()
    // Guarded by `lock`: written by the background job, read by `take` after `inFlight.wait()`.
    private var pendingKey: StepInputs.Key?
    private var prepared: StepInputs?

    /// Starts preparing the step `key` of `epoch` in the background, replacing any earlier prefetch.
    func prefetch(_ key: StepInputs.Key, of epoch: TrainingEpoch) {
        inFlight.wait()
        lock.withLock {
            pendingKey = key
            prepared = nil
        }
        inFlight.enter()
        queue.async { [self] in
            let inputs = StepInputs(key: key, epoch: epoch)
            lock.withLock { prepared = inputs }
            inFlight.leave()
        }
    }

    /// The inputs of step `key` of `epoch`: the prefetched ones when they match, else prepared now.
    func take(_ key: StepInputs.Key, of epoch: TrainingEpoch) -> StepInputs {
        inFlight.wait()
        let ready = lock.withLock { () -> StepInputs? in
            defer {
                pendingKey = nil
                prepared = nil
            }
            return pendingKey == key ? prepared : nil
        }
        return ready ?? StepInputs(key: key, epoch: epoch)
    }
}
