import Foundation
import RecutServe
import Testing

/// The real `recut serve` process: the same answers as `recut recommend --json`, a reload on
/// SIGHUP, and a clean stop on SIGTERM.
@Suite struct ServeCommandTests {
    @Test func servesWhatRecommendPrintsReloadsOnHangUpAndStopsOnTerm() async throws {
        let recut = try Self.recutExecutable()
        let log = TinyModel.run + "/serve-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let server = Process()
        server.executableURL = recut
        server.arguments = ["serve", "--checkpoint", TinyModel.run, "--port", "0", "--device", "cpu"]
        server.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { server.terminate() } }
        var port: Int?
        for _ in 0..<600 where port == nil {
            try await Task.sleep(nanoseconds: 50_000_000)
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            port = text.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:([0-9]+)/).flatMap { Int($0.1) }
        }
        let client = LoopbackClient(port: try #require(port, "recut serve never listened: \(log)"))

        let user = TinyModel.dataset.users.name(of: 3)
        let served = try await client.send("POST", "/recommend", body: #"{"user": "\#(user)", "k": 5}"#)
        let printed = try Self.run(recut, ["recommend", "--checkpoint", TinyModel.run, "--user", user, "-k", "5", "--json",
                                           "--device", "cpu"])
        let listed = try JSONDecoder().decode([RecommendResponse.Item].self, from: Data(printed.utf8))
        #expect(served.status == 200 && LoopbackClient.items(served.json).map(\.item) == listed.map(\.item))
        #expect(sameAnswer(LoopbackClient.items(served.json), listed))

        kill(server.processIdentifier, SIGHUP)
        var generation: Int?
        for _ in 0..<400 where generation != 2 {
            try await Task.sleep(nanoseconds: 50_000_000)
            generation = try await client.send("GET", "/health").json["generation"] as? Int
        }
        #expect(generation == 2)
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0)
    }

    /// The output of `recut ARGUMENTS`, which must exit 0.
    static func run(_ recut: URL, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = recut
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "recut \(arguments.joined(separator: " ")) failed")
        return String(decoding: data, as: UTF8.self)
    }

    /// The `recut` executable `swift test` builds beside the test bundle.
    static func recutExecutable() throws -> URL {
        let bundles = [Bundle.main.executablePath].compactMap { $0 }
            + Bundle.allBundles.map(\.bundlePath).filter { $0.hasSuffix(".xctest") }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let folders = bundles.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            + [packageRoot.appendingPathComponent(".build/debug")]
        let candidate = folders.map { $0.appendingPathComponent("recut") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
        return try #require(candidate, "no recut executable beside the tests; build it with `swift build --product recut`")
    }
}
