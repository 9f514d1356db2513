import Dispatch
import Foundation

/// Turns SIGINT and SIGTERM into a stop request that `Trainer` reads between steps, so that the
/// run saves `last/` before it ends; a second signal ends the process at once, without saving.
final class SignalStop: @unchecked Sendable {
    private let lock = NSLock()
    private var received: Int32?
    private var sources: [any DispatchSourceSignal] = []

    /// Catches `signals` from now on (their default action, ending the process, is off).
    init(signals: [Int32] = [SIGINT, SIGTERM]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [unowned self] in self.receive(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, nil while none has come.
    var request: Int32? { lock.withLock { received } }

    private func receive(_ number: Int32) {
        let first = lock.withLock {
            defer { received = received ?? number }
            return received == nil
        }
        guard first else {
            log("signal \(number) again: stopping now, without saving")
            exit(128 + number)
        }
        log("signal \(number): saving last/ after the current step, then stopping (send it again to stop at once)")
    }
}
