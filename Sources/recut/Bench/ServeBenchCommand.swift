import ArgumentParser
import Foundation
import RecutServe
import RecutTrain

/// `recut bench serve`: a closed-loop load test of a running `recut serve` (see `LoadTest`).
struct ServeBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Load-test a running recut serve: p50/p99 latency and requests/s at each client count.",
        discussion: """
            Each client holds one keep-alive connection and sends its next request when the answer \
            arrives. A level stops after --requests answers or --seconds, whichever comes first. \
            Bodies ask for -k items after the histories of the checkpoint's users (--input users) or \
            after random item sequences of --length items (--input items).
            """)

    @Option(help: "The server's address.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "The checkpoint the server answers with (for its user and item ids).")
    var checkpoint: String

    @Option(help: "Concurrent clients of each level, comma-separated.")
    var clients = "1,16,64"

    @Option(parsing: .unconditional, help: "The most requests of each level.")
    var requests = 5000

    @Option(parsing: .unconditional, help: "The most seconds of each level.")
    var seconds = 20.0

    @Option(help: "Request bodies: users (the checkpoint's users by id) or items (random sequences).")
    var input = "users"

    @Option(parsing: .unconditional, help: "Items of each random sequence (--input items).")
    var length = 50

    @Option(name: .short, parsing: .unconditional, help: "Items asked for per request.")
    var k = 10

    @Option(parsing: .unconditional, help: "Requests sent one at a time before each level, not measured.")
    var warmup = 50

    @Flag(help: "Print one JSON line per level instead of the table.")
    var json = false

    func validate() throws {
        if !["users", "items"].contains(input) { throw ValidationError("--input is users or items") }
        if levels.isEmpty || levels.contains(where: { $0 < 1 || $0 > 1024 }) {
            throw ValidationError("--clients lists counts in 1...1024, such as 1,16,64")
        }
        if requests < 1 || !(seconds > 0) || k < 1 || length < 1 || warmup < 0 {
            throw ValidationError("--requests, --seconds, -k and --length must be positive")
        }
        if address == nil { throw ValidationError("--url must look like http://HOST:PORT") }
    }

    private var levels: [Int] { clients.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) ?? 0 } }

    private var address: (host: String, port: Int)? {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else { return nil }
        return (host, components.port ?? 80)
    }

    func run() throws {
        let (host, port) = address!
        let bodies = try makeBodies()
        let test = LoadTest(host: host, port: port, bodies: bodies)
        if !json { print("clients  answered  failed  seconds   p50 ms   p99 ms  requests/s") }
        for level in levels {
            if warmup > 0 { _ = test.run(clients: 1, maximumRequests: warmup, maximumSeconds: seconds) }
            let result = test.run(clients: level, maximumRequests: requests, maximumSeconds: seconds)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
            } else {
                print(String(format: "%7d  %8d  %6d  %7.2f  %7.2f  %7.2f  %10.0f", result.clients, result.answered, result.failed,
                             result.seconds, result.p50Milliseconds, result.p99Milliseconds, result.requestsPerSecond))
            }
            if let failure = result.firstFailure { log("first failure at \(level) clients: \(failure)") }
        }
    }

    /// Up to 4,096 bodies: the checkpoint's users in a shuffled order, or random item sequences.
    private func makeBodies() throws -> [Data] {
        let folder = CheckpointPath.folder(checkpoint)
        var generator = SystemRandomNumberGenerator()
        let objects: [[String: Any]]
        if input == "users" {
            let source = try ServedModel.Source.read(folder, log: log)
            guard let users = source.histories?.keys else {
                throw CommandFailure("--input users: \(source.historiesUnavailable ?? "no users"); use --input items")
            }
            objects = users.shuffled(using: &generator).prefix(4096).map { ["user": $0, "k": k] }
        } else {
            let items = try CheckpointStore.load(from: folder).items.dropFirst()
            objects = (0..<4096).map { _ in ["items": (0..<length).map { _ in items.randomElement(using: &generator)! }, "k": k] }
        }
        return try objects.map { try JSONSerialization.data(withJSONObject: $0) }
    }
}
