import Foundation
import RecutTrain

/// Gathers concurrent recommendation requests and ranks them together: one thread owns the
/// backend; it takes the requests that are waiting (after up to `window` seconds for more, until
/// `maximumBatch`), ranks them in one pass of their model and answers each with its own list.
///
/// Every piece of backend work runs on that thread, one at a time: batches, and the jobs given
/// to `perform` (building a reloaded model). A batch holds requests of one model only, so
/// requests admitted before a reload finish on the model they were checked against.
public final class RequestBatcher: @unchecked Sendable {
    /// The most requests ranked in one pass.
    public let maximumBatch: Int
    /// Seconds the thread waits for more requests after the first one arrives (0: it takes what
    /// waits, so requests that arrive during a pass form the next batch).
    public let window: Double

    private struct Pending {
        var query: ModelRanking.Query
        var count: Int
        var model: ServedModel
        var continuation: CheckedContinuation<[(item: Int32, score: Float)], Never>
    }

    private let condition = NSCondition()
    private var pending: [Pending] = []
    private var jobs: [() -> Void] = []
    private var stopped = false
    private var passes = 0
    private var answered = 0
    private var largestBatch = 0

    /// Starts the batcher's thread.
    public init(maximumBatch: Int, window: Double) {
        precondition(maximumBatch >= 1 && window >= 0, "a batcher needs a positive batch size and a window >= 0")
        self.maximumBatch = maximumBatch
        self.window = window
        let thread = Thread { [self] in run() }
        thread.name = "recut-batcher"
        thread.start()
    }

    /// The `count` best items for `query` (checked against `model`), ranked together with the
    /// other requests waiting for the same model.
    public func recommend(_ query: ModelRanking.Query, count: Int,
                          on model: ServedModel) async -> [(item: Int32, score: Float)] {
        await withCheckedContinuation { continuation in
            condition.lock()
            pending.append(Pending(query: query, count: count, model: model, continuation: continuation))
            condition.signal()
            condition.unlock()
        }
    }

    /// Runs `job` on the batcher's thread, between two batches, and returns what it returns.
    public func perform<Value: Sendable>(_ job: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            jobs.append { continuation.resume(with: Result { try job() }) }
            condition.signal()
            condition.unlock()
        }
    }

    /// Passes run, requests answered and the largest batch so far.
    public var statistics: (passes: Int, answered: Int, largestBatch: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (passes, answered, largestBatch)
    }

    /// Answers what is waiting, then ends the thread.
    public func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            while pending.isEmpty && jobs.isEmpty && !stopped { condition.wait() }
            if !jobs.isEmpty {
                let job = jobs.removeFirst()
                condition.unlock()
                job()
                condition.lock()
                continue
            }
            if pending.isEmpty { break }
            if window > 0 && pending.count < maximumBatch {
                let deadline = Date(timeIntervalSinceNow: window)
                while pending.count < maximumBatch && !stopped && condition.wait(until: deadline) {}
            }
            let model = pending[0].model
            var batch: [Pending] = []
            var rest: [Pending] = []
            for request in pending {
                if batch.count < maximumBatch && request.model === model { batch.append(request) } else { rest.append(request) }
            }
            pending = rest
            condition.unlock()
            let lists = model.recommend(batch.map(\.query), count: batch.map(\.count).max()!)
            condition.lock()
            passes += 1
            answered += batch.count
            largestBatch = max(largestBatch, batch.count)
            condition.unlock()
            for (request, list) in zip(batch, lists) { request.continuation.resume(returning: Array(list.prefix(request.count))) }
            condition.lock()
        }
        condition.unlock()
    }
}
