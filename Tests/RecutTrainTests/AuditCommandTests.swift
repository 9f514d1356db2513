import Foundation
import Testing

/// The real `recut data audit` and the split flags of `recut train` and `recut data split`.
@Suite struct AuditCommandTests {
    /// Runs recut with `arguments`; its exit status and output (stdout and stderr together).
    private func run(_ arguments: [String], in directory: TemporaryDirectory) throws -> (status: Int32, output: String) {
        let log = directory.path + "/log-\(UUID().uuidString)"
        let process = try KillResumeTests.launch(try KillResumeTests.recutExecutable(), arguments, log: log)
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Six users of 8 events at times 1...8 (user u at items u+1...u+8), as a CSV file.
    private func writeLog(in directory: TemporaryDirectory) throws -> String {
        var text = "user_id,item_id,timestamp\n"
        for user in 0..<6 { for step in 1...8 { text += "u\(user),i\(user + step),\(step)\n" } }
        let path = directory.path + "/log.csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func auditComparesSplitsAndWritesTheReport() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let file = try writeLog(in: directory)
        let report = directory.path + "/audit.html"
        let (status, output) = try run(["data", "audit", file, "--no-cache", "--json", "--report", report,
                                        "--compare", "temporal:cut-quantile=0.75:split-target=all,last-n:test-events=2"],
                                       in: directory)
        #expect(status == 0, "\(output)")
        let json = try #require(output.split(separator: "\n").first { $0.hasPrefix("{") })
        let audit = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let splits = try #require(audit["splits"] as? [[String: Any]])
        #expect(splits.map { $0["name"] as? String } == ["leave-one-out", "temporal:cut-quantile=0.75:split-target=all",
                                                         "last-n:test-events=2"])
        // Leave-one-out tests each user's event at time 8 and trains on times up to 6 of all users.
        #expect(splits[0]["testCases"] as? Int == 6 && splits[0]["leakageShare"] as? Double == 0)
        // Times 7 and 8 lie after the 0.75 quantile (time 6): two successive cases per user.
        #expect(splits[1]["testCases"] as? Int == 12)
        #expect(FileManager.default.fileExists(atPath: report))
    }

    @Test func settingsThatDoNotApplyAreRefused() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let file = try writeLog(in: directory)
        let training = try run(["data", "audit", file, "--lr", "0.1"], in: directory)
        #expect(training.status != 0 && training.output.contains("--lr sets the training of --sequentiality"), "\(training.output)")
        let target = try run(["data", "split", file, "--split-target", "last", "--out", directory.path + "/split"], in: directory)
        #expect(target.status != 0 && target.output.contains("split-target does not apply to split = leave-one-out"),
                "\(target.output)")
        let compare = try run(["data", "audit", file, "--compare", "temporal:lr=1"], in: directory)
        #expect(compare.status != 0 && compare.output.contains("--compare temporal:lr=1"), "\(compare.output)")
        let written = try run(["data", "split", file, "--no-cache", "--split", "last-n", "--test-events", "2",
                               "--split-target", "all", "--out", directory.path + "/split"], in: directory)
        #expect(written.status == 0, "\(written.output)")
        let inputs = try String(contentsOfFile: directory.path + "/split/test_inputs.tsv", encoding: .utf8)
        #expect(inputs.hasPrefix("user_id\titem_id\ttimestamp\tcase\n"))
    }
}
