import Foundation

/// The HTML page of `recut data audit --report`, drawn from the audit's JSON document itself
/// (the output of `--json`), so that every number on the page is one of the JSON's.
///
/// Each section is a top-level key. Numbers become table rows whose cell carries the value's
/// path in `data-path` (`core.users`, `splits.1.leakageShare`); percentile objects become rows
/// `key.p50` and so on; histograms (objects with `edges` and `counts`) become bar charts. The
/// `splits` array becomes one table with a column per split, and a chart per split.
public enum AuditReport {
    /// The page for the audit JSON `json` (an object), titled `title`.
    public static func html(json: Data, title: String) throws -> String {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ReportError.notAnObject
        }
        var body = ""
        for key in root.keys.sorted() {
            body += "<h2>\(HTML.escape(key))</h2>\n"
            if let splits = root[key] as? [[String: Any]] {
                body += splitsSection(splits, path: key)
            } else if let object = root[key] as? [String: Any] {
                body += section(object, path: key)
            } else {
                body += table(rows: [(key, [cell(root[key], path: key)])], header: nil)
            }
        }
        return HTML.page(title: title, body: body)
    }

    /// The same sections as plain text for a terminal: `path  value` lines, and the splits as
    /// one table with a column per split (histograms are left to the HTML page and the JSON).
    public static func text(json: Data) throws -> String {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
            throw ReportError.notAnObject
        }
        var rows: [(String, [String])] = []
        for key in root.keys.sorted() {
            if let splits = root[key] as? [[String: Any]] {
                rows.append(("", []))
                rows.append((key, splits.map { format($0["name"]) }))
                for row in flattened(splits) where row.0 != "name" { rows.append(("  " + row.0, row.1)) }
            } else if let object = root[key] as? [String: Any] {
                rows.append(("", []))
                rows.append((key, []))
                for row in flattened([object]) { rows.append(("  " + row.0, row.1)) }
            }
        }
        let width = rows.map(\.0.count).max() ?? 0
        let columns = (rows.map(\.1.count).max() ?? 0)
        let cellWidths = (0..<columns).map { column in rows.compactMap { $0.1.count > column ? $0.1[column].count : nil }.max() ?? 0 }
        return rows.dropFirst().map { name, cells in
            let padded = cells.enumerated().map { String(repeating: " ", count: Swift.max(0, cellWidths[$0.offset] - $0.element.count)) + $0.element }
            return (name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + padded.joined(separator: "  "))
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }

    /// The scalar fields of objects that share keys, one level of nesting flattened, histograms left out.
    private static func flattened(_ objects: [[String: Any]]) -> [(String, [String])] {
        var rows: [(String, [String])] = []
        for key in Set(objects.flatMap(\.keys)).sorted() {
            if let nested = objects.lazy.compactMap({ $0[key] as? [String: Any] }).first {
                guard !isHistogram(nested) else { continue }
                for inner in nested.keys.sorted() {
                    rows.append(("\(key).\(inner)", objects.map { format(($0[key] as? [String: Any])?[inner]) }))
                }
            } else {
                rows.append((key, objects.map { format($0[key]) }))
            }
        }
        return rows
    }

    /// What can be wrong with the document given.
    public enum ReportError: Error, CustomStringConvertible {
        /// The document's top level is not a JSON object.
        case notAnObject
        /// The problem, for the user.
        public var description: String { "the audit JSON is not an object" }
    }

    /// The text a number, text or null shows: whole numbers as integers, others with six
    /// significant digits. Tests use it to compare the page with the JSON.
    public static func format(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "none"
        case let text as String: return text
        case let number as NSNumber:
            let double = number.doubleValue
            if double == double.rounded() && abs(double) < 1e15 { return String(Int64(double)) }
            return String(format: "%.6g", double)
        default: return "\(value!)"
        }
    }

    private static func isHistogram(_ object: [String: Any]) -> Bool {
        object["edges"] is [Any] && object["counts"] is [Any]
    }

    /// The rows of `object` (flattened one level for non-histogram objects) and its charts.
    private static func section(_ object: [String: Any], path: String) -> String {
        var rows: [(String, [String])] = [], charts: [String] = []
        for key in object.keys.sorted() {
            let value = object[key], valuePath = "\(path).\(key)"
            if let nested = value as? [String: Any] {
                if isHistogram(nested) {
                    charts.append(chart(title: "\(path) \(key)", histograms: [("count", nested)]))
                } else {
                    for inner in nested.keys.sorted() {
                        rows.append(("\(key).\(inner)", [cell(nested[inner], path: "\(valuePath).\(inner)")]))
                    }
                }
            } else {
                rows.append((key, [cell(value, path: valuePath)]))
            }
        }
        return table(rows: rows, header: nil) + (charts.isEmpty ? "" : "<div class=\"charts\">\(charts.joined())</div>\n")
    }

    /// One table with a column per split, then each histogram of every split as a chart.
    private static func splitsSection(_ splits: [[String: Any]], path: String) -> String {
        let names = splits.enumerated().map { ($0.element["name"] as? String) ?? "split \($0.offset)" }
        var keys: [String] = [], histogramKeys: [String] = []
        for key in Set(splits.flatMap(\.keys)).sorted() where key != "name" {
            if let nested = splits.lazy.compactMap({ $0[key] as? [String: Any] }).first {
                if isHistogram(nested) { histogramKeys.append(key) } else {
                    keys += nested.keys.sorted().map { "\(key).\($0)" }
                }
            } else {
                keys.append(key)
            }
        }
        var rows: [(String, [String])] = []
        for key in keys {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            rows.append((key, splits.enumerated().map { index, split in
                let value = parts.count == 2 ? (split[parts[0]] as? [String: Any])?[parts[1]] : split[key]
                return cell(value, path: "\(path).\(index).\(key)")
            }))
        }
        var out = table(rows: rows, header: ["split"] + names)
        for key in histogramKeys {
            let charts = splits.enumerated().compactMap { index, split -> String? in
                guard let histogram = split[key] as? [String: Any] else { return nil }
                return chart(title: "\(names[index]): \(key)", histograms: [(names[index], histogram)])
            }
            out += "<div class=\"charts\">\(charts.joined())</div>\n"
        }
        return out
    }

    private static func cell(_ value: Any?, path: String) -> String {
        "<td data-path=\"\(HTML.escape(path))\">\(HTML.escape(format(value)))</td>"
    }

    private static func table(rows: [(String, [String])], header: [String]?) -> String {
        var out = "<table>"
        if let header { out += "<tr>" + header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr>" }
        for (name, cells) in rows { out += "<tr><th>\(HTML.escape(name))</th>\(cells.joined())</tr>" }
        return out + "</table>\n"
    }

    /// A bar chart of histograms that share their edges; bins are labelled by their lower edge.
    private static func chart(title: String, histograms: [(String, [String: Any])]) -> String {
        let edges = (histograms[0].1["edges"] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? 0 }
        let labels = edges.dropLast().map { SVGBarChart.tickLabel($0) }
        let series = histograms.map { name, histogram in
            SVGBarChart.Series(name: name, values: (histogram["counts"] as? [Any] ?? []).map { ($0 as? NSNumber)?.doubleValue ?? 0 })
        }
        guard series.allSatisfy({ $0.values.count == labels.count }) else { return "" }
        return SVGBarChart(title: title, binLabels: labels, series: series).svg()
    }
}
