#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Reports the progress of one training epoch: a live one-line bar with events/s, loss and ETA
/// on a terminal, or a plain log line at every tenth of the epoch when output goes to a file.
///
/// Redrawing is limited to about ten times a second so that the report costs nothing next to
/// a training step, and log files get a bounded number of lines.
public final class TrainingProgress {
    private let epoch: Int
    private let epochs: Int
    private let batches: Int
    private let isTerminal: Bool
    private let write: (String) -> Void
    private let now: () -> Double
    private let start: Double
    private var completedBatches = 0
    private var events = 0
    private var lastDraw = -Double.infinity
    private var lastTenth = 0

    /// Starts reporting epoch `epoch` (0-based, shown 1-based) of `epochs`, which has `batches` batches.
    ///
    /// - Parameters:
    ///   - isTerminal: draw a redrawn bar; by default, whether stderr is a terminal.
    ///   - write: where text goes; by default stderr, unbuffered.
    ///   - now: a clock in seconds; tests pass their own.
    public init(
        epoch: Int, epochs: Int, batches: Int,
        isTerminal: Bool = isatty(STDERR_FILENO) != 0,
        write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) },
        now: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }
    ) {
        self.epoch = epoch
        self.epochs = epochs
        self.batches = max(1, batches)
        self.isTerminal = isTerminal
        self.write = write
        self.now = now
        self.start = now()
    }

    /// Records one finished batch of `events` training positions; `meanLoss` gives the mean
    /// batch loss of the epoch so far and is called only when a line is drawn (reading a
    /// loss from a device waits for it).
    public func update(events: Int, meanLoss: () -> Double) {
        completedBatches += 1
        self.events += events
        let time = now()
        if isTerminal {
            guard time - lastDraw >= 0.1 || completedBatches == batches else { return }
            lastDraw = time
            write("\r" + line(time: time, bar: true, meanLoss: meanLoss()) + "\u{1B}[K")
        } else {
            let tenth = completedBatches * 10 / batches
            guard tenth > lastTenth else { return }
            lastTenth = tenth
            write(line(time: time, bar: false, meanLoss: meanLoss()) + "\n")
        }
    }

    /// Ends the epoch's report (moves past the bar on a terminal).
    public func finish() {
        if isTerminal && completedBatches > 0 { write("\n") }
    }

    /// Training events per second so far in this epoch.
    public var eventsPerSecond: Double {
        let elapsed = now() - start
        return elapsed > 0 ? Double(events) / elapsed : 0
    }


    private func line(time: Double, bar: Bool, meanLoss: Double) -> String {
        let elapsed = time - start
        let fraction = Double(completedBatches) / Double(batches)
        let rate = elapsed > 0 ? Double(events) / elapsed : 0
        let remaining = completedBatches > 0 ? elapsed * Double(batches - completedBatches) / Double(completedBatches) : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        let gauge = bar ? " [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]" : ""
        let percent = String(format: "%3d%%", Int(fraction * 100))
        return "epoch \(epoch + 1)/\(epochs)\(gauge) \(percent) batch \(completedBatches)/\(batches)"
            + "  \(Int(rate.rounded())) events/s  loss \(String(format: "%.4f", meanLoss))"
            + "  \(completedBatches == batches ? "took" : "eta") \(Self.duration(completedBatches == batches ? elapsed : remaining))"
    }

    /// Seconds as m:ss, or h:mm:ss from an hour on.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }
}
