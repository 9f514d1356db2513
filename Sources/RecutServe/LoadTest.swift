import Foundation

/// A closed-loop load test on a running server: `clients` connections, each on its own
/// thread, send the next body as soon as the previous answer arrives, until `maximumRequests`
/// answers in all or `maximumSeconds` have passed, whichever comes first.
public struct LoadTest: Sendable {
    /// What one level of concurrency measured.
    public struct Result: Codable, Sendable {
        /// Concurrent clients.
        public var clients: Int
        /// Answers with status 200.
        public var answered: Int
        /// Answers with another status, and requests that failed.
        public var failed: Int
        /// Wall time of the level, seconds.
        public var seconds: Double
        /// Median latency of the answered requests, milliseconds.
        public var p50Milliseconds: Double
        /// 99th-percentile latency, milliseconds.
        public var p99Milliseconds: Double
        /// Answered requests per second; each is one recommendation list of `k` items.
        public var requestsPerSecond: Double
        /// The first failure's message, if any failed.
        public var firstFailure: String?

        enum CodingKeys: String, CodingKey {
            case clients, answered, failed, seconds
            case p50Milliseconds = "p50_ms"
            case p99Milliseconds = "p99_ms"
            case requestsPerSecond = "requests_per_second"
            case firstFailure = "first_failure"
        }
    }

    /// The server's host and port.
    public var host: String
    public var port: Int
    /// The path posted to.
    public var path: String
    /// Request bodies, sent in turn.
    public var bodies: [Data]

    /// A load test posting `bodies` to `path` at `host:port`.
    public init(host: String, port: Int, path: String = "/recommend", bodies: [Data]) {
        precondition(!bodies.isEmpty, "a load test needs at least one body")
        self.host = host
        self.port = port
        self.path = path
        self.bodies = bodies
    }

    /// Runs one level of concurrency and measures it.
    public func run(clients: Int, maximumRequests: Int, maximumSeconds: Double) -> Result {
        let shared = Shared(limit: maximumRequests)
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(maximumSeconds * 1e9)
        let group = DispatchGroup()
        for client in 0..<clients {
            group.enter()
            let thread = Thread { [self] in
                defer { group.leave() }
                var latencies: [Double] = []
                var failed = 0
                var failure: String?
                do {
                    let connection = try HTTPConnection(host: host, port: port)
                    var index = client
                    while DispatchTime.now().uptimeNanoseconds < deadline && shared.claim() {
                        let sent = DispatchTime.now().uptimeNanoseconds
                        let answer = try connection.request("POST", path, body: bodies[index % bodies.count])
                        if answer.status == 200 {
                            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - sent) / 1e6)
                        } else {
                            failed += 1
                            failure = failure ?? "status \(answer.status): \(String(decoding: answer.body, as: UTF8.self))"
                        }
                        index += clients
                    }
                } catch {
                    failed += 1
                    failure = "\(error)"
                }
                shared.add(latencies: latencies, failed: failed, failure: failure)
            }
            thread.start()
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let (latencies, failed, failure) = shared.totals()
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        return Result(clients: clients, answered: sorted.count, failed: failed, seconds: seconds,
                      p50Milliseconds: percentile(0.5), p99Milliseconds: percentile(0.99),
                      requestsPerSecond: Double(sorted.count) / seconds, firstFailure: failure)
    }

    /// The request budget and the clients' results, shared by their threads.
    private final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var remaining: Int
        private var latencies: [Double] = []
        private var failed = 0
        private var failure: String?

        init(limit: Int) { remaining = limit }

        /// Takes one request of the budget; false when it is spent.
        func claim() -> Bool {
            lock.withLock {
                guard remaining > 0 else { return false }
                remaining -= 1
                return true
            }
        }

        func add(latencies more: [Double], failed moreFailed: Int, failure moreFailure: String?) {
            lock.withLock {
                latencies += more
                failed += moreFailed
                failure = failure ?? moreFailure
            }
        }

        func totals() -> ([Double], Int, String?) { lock.withLock { (latencies, failed, failure) } }
    }
}
