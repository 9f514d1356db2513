import Foundation

/// What the start of a file says about it: its format, its header and where its data rows begin.
struct FilePrologue {
    var format: InteractionFormat
    /// Header cells, for formats that have a header.
    var header: [String]?
    /// Byte offset of the first line that may hold data.
    var dataOffset: Int
    /// Lines before `dataOffset`, so that data line numbers can be made file line numbers.
    var linesBeforeData: Int
    /// Mean line length in the first bytes of the file, to guess how many rows it holds.
    var averageLineLength: Int

    /// Reads the first non-blank line; `format` overrides what that line suggests.
    init(file: InputFile, format requested: InteractionFormat?) throws {
        var sampleSize = 1 << 16
        var sample = try file.bytes(in: 0..<sampleSize)
        let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
        let textStart = sample.starts(with: byteOrderMark) ? byteOrderMark.count : 0
        var lineStart = textStart
        var lineNumber = 0
        var line: ArraySlice<UInt8> = []
        var lineEnd = 0
        while true {
            let reachedEnd = sample.count < sampleSize
            guard let newline = sample[lineStart...].firstIndex(of: ASCII.newline) ?? (reachedEnd ? sample.count : nil)
            else {
                sampleSize *= 2
                sample = try file.bytes(in: 0..<sampleSize)
                continue
            }
            lineNumber += 1
            lineEnd = newline
            line = sample[lineStart..<lineEnd]
            if line.last == ASCII.carriageReturn { line = line.dropLast() }
            if !line.allSatisfy(ASCII.isBlank) { break }
            guard lineEnd < sample.count else { throw DataError.emptyFile(file: file.path) }
            lineStart = lineEnd + 1
        }
        format = try requested ?? InteractionFormat.detect(path: file.path, firstLine: Array(line))
        if format.hasHeader {
            header = try Self.cells(of: line, separator: format.separator, file: file.path, lineNumber: lineNumber)
            dataOffset = Swift.min(lineEnd + 1, file.size)
            linesBeforeData = lineNumber
        } else {
            dataOffset = textStart
            linesBeforeData = 0
        }
        averageLineLength = Swift.max(1, sample.count / Swift.max(1, sample.count { $0 == ASCII.newline }))
    }

    /// The cells of a header line, with surrounding blanks removed.
    private static func cells(of line: ArraySlice<UInt8>, separator: FieldSeparator, file: String,
                              lineNumber: Int) throws -> [String] {
        var bytes = Array(line)
        bytes.append(ASCII.newline)
        return try bytes.withUnsafeMutableBufferPointer { bytes in
            let start = bytes.baseAddress!
            var fields = [Field](repeating: Field(start: nil, count: 0), count: bytes.count)
            let split = fields.withUnsafeMutableBufferPointer { fields in
                separator.split(lineAt: start, end: start + bytes.count, into: fields)
            }
            if let problem = split.problem { throw DataError.badRow(file: file, line: lineNumber, reason: "header: \(problem)") }
            return try fields[..<split.fieldCount].map { field in
                guard let cell = String(validating: field, as: UTF8.self) else {
                    throw DataError.badRow(file: file, line: lineNumber, reason: "the header is not valid UTF-8")
                }
                return cell.trimmingCharacters(in: .whitespaces)
            }
        }
    }
}
