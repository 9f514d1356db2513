import Foundation
import Testing

/// The `recut` binary's launcher end to end: `recut distributed-check --processes N` starts N
/// copies of itself that meet through the rendezvous (no GPU needed).
@Suite(.serialized) struct LaunchCommandTests {
    /// The `recut` executable built beside the test bundle.
    static var recut: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("recut").path
    }

    /// Runs `recut arguments`; returns its exit status, standard output and standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: recut)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }

    @Test func launchedRanksMeetAndReceiveTheSameBytes() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.recut), "build the recut executable first (swift build)")
        let result = try Self.run(["distributed-check", "--processes", "3", "--timeout", "20"])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        for rank in 0..<3 { #expect(lines.contains { $0.hasPrefix("[rank \(rank)] rank \(rank) of 3 received 128 bytes") }) }
        #expect(Set(lines.map { $0.split(separator: " ").last! }).count == 1, "every rank must receive rank 0's bytes")
    }

    @Test func aFailingRankFailsTheLaunchAndStopsTheOthers() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.recut), "build the recut executable first (swift build)")
        let start = Date()
        let result = try Self.run(["distributed-check", "--processes", "3", "--fail-rank", "2", "--timeout", "60"])
        #expect(result.status != 0)
        #expect(result.errors.contains("failed with exit status"))
        #expect(result.errors.contains("the other ranks were stopped"))
        #expect(Date().timeIntervalSince(start) < 30, "the other ranks wait 60 s in a barrier unless stopped")
    }
}
