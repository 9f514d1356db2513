import Foundation
import RecutServe

/// Blocking `HTTPConnection` calls moved off the test's cooperative threads.
struct LoopbackClient {
    let port: Int

    /// One request on a fresh connection, answered with the status and the body as JSON.
    func send(_ method: String, _ path: String, body: String = "") async throws -> (status: Int, json: [String: Any]) {
        let port = port
        let answer = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPConnection.Answer, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try HTTPConnection(host: "127.0.0.1", port: port, timeout: 60).request(method, path, body: Data(body.utf8))
                })
            }
        }
        let json = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any] ?? [:]
        return (answer.status, json)
    }

    /// The items of a `POST /recommend` answer.
    static func items(_ json: [String: Any]) -> [RecommendResponse.Item] {
        ((json["items"] as? [[String: Any]]) ?? []).map {
            RecommendResponse.Item(item: $0["item"] as! String, score: Float(($0["score"] as! NSNumber).doubleValue))
        }
    }
}

/// The port a server reports once it listens.
final class PortBox: @unchecked Sendable {
    private let lock = NSLock()
    private var port: Int?

    func set(_ port: Int) { lock.withLock { self.port = port } }

    /// Waits up to 30 s for the port.
    func wait() async throws -> Int {
        for _ in 0..<3000 {
            if let port = lock.withLock({ port }) { return port }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        throw HTTPConnection.Failure(description: "the server never listened")
    }
}
