/// Reads interaction files (CSV, TSV, RecBole `.inter`, MovieLens `.dat`, `user item` pairs) into logs.
public enum InteractionReader {
    /// Bytes read and parsed at a time: large enough that system calls cost nothing, small
    /// enough to stay out of the memory budget.
    static let chunkSize = 1 << 24

    /// Reads the file at `path` into an interaction log, in file order.
    ///
    /// Throws `DataError`: `.emptyFile` without data rows, `.allRowsSkipped` when every row was
    /// malformed and skipped, `.missingColumn` when a needed
    /// column is absent, `.badRow` (with the file line number) at the first malformed row
    /// unless `options.skipBadRows` is set, in which case such rows are counted instead.
    public static func read(path: String, options: ReadOptions = ReadOptions()) throws -> ReadResult {
        let file = try InputFile(path: path)
        let prologue = try FilePrologue(file: file, format: options.format)
        let columns = try ResolvedColumns(
            selection: options.columns, format: prologue.format, header: prologue.header, file: path)
        let range = prologue.dataOffset..<file.size
        var parser = RowParser(
            format: prologue.format, columns: columns, skipBadRows: options.skipBadRows,
            expectedRows: range.count / prologue.averageLineLength * 11 / 10 + 1024)
        do {
            try file.forEachChunkOfLines(in: range, chunkSize: chunkSize) { lines in try parser.parse(lines: lines) }
        } catch let failure as RowFailure {
            throw DataError.badRow(file: path, line: prologue.linesBeforeData + failure.line, reason: failure.reason)
        }
        guard !parser.users.isEmpty else {
            guard let first = parser.firstSkipped else { throw DataError.emptyFile(file: path) }
            throw DataError.allRowsSkipped(
                file: path, count: parser.skippedRows, firstLine: prologue.linesBeforeData + first.line, firstReason: first.reason)
        }
        let log = InteractionLog(
            users: parser.users, items: parser.items, timestamps: parser.timestamps,
            ratings: columns.rating == nil ? nil : parser.ratings,
            userNames: parser.userIDs.names, itemNames: parser.itemIDs.names)
        return ReadResult(log: log, skippedRows: parser.skippedRows, format: prologue.format)
    }
}
