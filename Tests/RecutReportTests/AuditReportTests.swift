import Foundation
import RecutData
import Testing
@testable import RecutReport

/// User 0: items 1 2 1 3 at 10 20 20 40; user 1: 2 3 at 30 50; user 2: item 4 three times at 60.
private func handBuilt() -> Dataset {
    let users: [[(item: Int32, time: Timestamp)]] = [[(1, 10), (2, 20), (1, 20), (3, 40)], [(2, 30), (3, 50)],
                                                     [(4, 60), (4, 60), (4, 60)]]
    var sequences = Sequences()
    for events in users { sequences.append(items: events.map(\.item), timestamps: events.map(\.time)) }
    return Dataset(sequences: sequences, users: IDMap(names: ["u0", "u1", "u2"]),
                   items: IDMap(names: [""] + (1...4).map { "i\($0)" }))
}

/// The audit JSON of the hand-built log with a leave-one-out and a temporal split, as `--json` prints it.
private func auditJSON() throws -> Data {
    let dataset = handBuilt()
    let splits = [
        (name: "leave-one-out", split: try split(dataset, strategy: .leaveOneOut)),
        (name: "temporal:cut-time=35:split-validation=leave-one-out",
         split: try split(dataset, strategy: .temporal(.time(35)), rules: SplitRules(validation: .leaveOneOut))),
    ]
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(DataAudit(dataset: dataset, splits: splits))
}

/// The value at a dotted path (`splits.1.leakageShare`) of a JSON document.
private func value(at path: String, in root: Any) -> Any? {
    var current: Any? = root
    for part in path.split(separator: ".").map(String.init) {
        if let array = current as? [Any], let index = Int(part) {
            current = index < array.count ? array[index] : nil
        } else {
            current = (current as? [String: Any])?[part]
        }
    }
    return current
}

/// Each `data-path` cell of an HTML text (or a DOM dump) with its text, entities decoded.
private func cells(in html: String) throws -> [(path: String, text: String)] {
    let pattern = try NSRegularExpression(pattern: "<td data-path=\"([^\"]+)\">([^<]*)</td>")
    let range = NSRange(html.startIndex..., in: html)
    return pattern.matches(in: html, range: range).map { match in
        let text = String(html[Range(match.range(at: 2), in: html)!])
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
        return (String(html[Range(match.range(at: 1), in: html)!]), text)
    }
}

/// Checks that every number of the page is the JSON's, and that the known answers are there.
private func checkNumbers(of html: String, json: Data) throws {
    let root = try JSONSerialization.jsonObject(with: json)
    let found = try cells(in: html)
    #expect(found.count > 80)
    for (path, text) in found {
        #expect(AuditReport.format(value(at: path, in: root)) == text, "\(path)")
    }
    let byPath = Dictionary(found, uniquingKeysWith: { first, _ in first })
    #expect(byPath["core.users"] == "3" && byPath["core.interactions"] == "9")
    #expect(byPath["splits.0.leakageShare"] == "0.5" && byPath["splits.1.leakageShare"] == "0")
    #expect(byPath["splits.1.testColdUserShare"] == "0.5" && byPath["anomalies.bursts"] == "1")
    #expect(byPath["repeats.repeatShare"] == "0.333333")
}

/// Bars the page's histograms must draw: one per bin of each histogram in the JSON.
private func expectedBars(_ json: Data) throws -> Int {
    let root = try JSONSerialization.jsonObject(with: json) as! [String: Any]
    func bins(_ value: Any) -> Int {
        if let object = value as? [String: Any] {
            if let counts = object["counts"] as? [Any], object["edges"] != nil { return counts.count }
            return object.values.map(bins).reduce(0, +)
        }
        if let array = value as? [Any] { return array.map(bins).reduce(0, +) }
        return 0
    }
    return bins(root)
}

@Test func reportNumbersAreTheJSONsNumbers() throws {
    let json = try auditJSON()
    let html = try AuditReport.html(json: json, title: "audit <test>")
    try checkNumbers(of: html, json: json)
    #expect(html.components(separatedBy: "<rect class=\"bar\"").count - 1 == (try expectedBars(json)))
    #expect(html.contains("<title>audit &lt;test&gt;</title>"))
    let text = try AuditReport.text(json: json)
    #expect(text.contains("leakageShare") && text.contains("temporal:cut-time=35:split-validation=leave-one-out"))
}

@Test func barChartScalesToANiceCeiling() {
    #expect(SVGBarChart.niceCeiling(7) == 10 && SVGBarChart.niceCeiling(0.3) == 0.5 && SVGBarChart.niceCeiling(230) == 250)
    let svg = SVGBarChart(title: "t", binLabels: ["a", "b"], series: [.init(name: "s", values: [1, 4])]).svg()
    #expect(svg.contains("data-value=\"4\"") && svg.contains("height=\"147.2\""))
}

/// The headless Chromium of the machine: `RECUT_CHROMIUM`, else `chromium` or `chromium-browser` on the PATH.
private let chromium: String? = {
    if let given = ProcessInfo.processInfo.environment["RECUT_CHROMIUM"] { return given }
    let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
    for name in ["chromium", "chromium-browser"] {
        for folder in folders where FileManager.default.isExecutableFile(atPath: "\(folder)/\(name)") {
            return "\(folder)/\(name)"
        }
    }
    return nil
}()

/// CI (`.ci/run`) installs Chromium and sets this, so that there the test cannot be skipped.
private let chromiumRequired = ProcessInfo.processInfo.environment["RECUT_REQUIRE_CHROMIUM"] == "1"

/// Runs Chromium headless on `arguments`; its standard output.
private func runChromium(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: chromium!)
    // --no-sandbox: CI runs as root, where Chromium refuses its sandbox.
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--no-first-run", "--hide-scrollbars"] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "chromium \(arguments.joined(separator: " ")) failed")
    return String(decoding: data, as: UTF8.self)
}

@Test(.enabled(if: chromium != nil || chromiumRequired,
               "headless Chromium is not installed (apt-get install chromium; CI installs it), so the report is not rendered"))
func reportRendersInHeadlessChromium() throws {
    try #require(chromium != nil, "RECUT_REQUIRE_CHROMIUM=1 but no chromium on the PATH")
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("recut-report-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let json = try auditJSON()
    let page = folder.appendingPathComponent("audit.html")
    try Data(try AuditReport.html(json: json, title: "audit").utf8).write(to: page)

    // The DOM Chromium builds from the page: the same numbers, and every bar an SVG rect.
    let dom = try runChromium(["--dump-dom", page.absoluteString])
    try checkNumbers(of: dom, json: json)
    let bars = try NSRegularExpression(pattern: "<rect class=\"bar\"[^>]*height=\"[0-9.]+\"")
    #expect(bars.numberOfMatches(in: dom, range: NSRange(dom.startIndex..., in: dom)) == (try expectedBars(json)))
    #expect(dom.contains("<svg") && !dom.contains("parsererror"))

    // A screenshot: a PNG of the requested size, not blank.
    let screenshot = folder.appendingPathComponent("audit.png")
    _ = try runChromium(["--screenshot=\(screenshot.path)", "--window-size=1200,2400", page.absoluteString])
    let png = try Data(contentsOf: screenshot)
    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
    let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
    #expect(width == 1200 && height == 2400)
    #expect(png.count > 20_000)
}
