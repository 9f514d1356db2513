/// Everything that can go wrong between a raw file and a batch, phrased for the user to fix.
public enum DataError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// A file (a cache, a split) could not be created, written or moved into place.
    case unwritable(file: String, reason: String)
    /// The file holds no data rows.
    case emptyFile(file: String)
    /// Every data row was malformed and skipped (`--skip-bad-rows`); the first one and why.
    case allRowsSkipped(file: String, count: Int, firstLine: Int, firstReason: String)
    /// A needed column is absent from the header (or from `--columns`).
    case missingColumn(file: String, column: String, header: [String])
    /// More than one column could be the one wanted (`candidates`, as the header names them).
    case ambiguousColumn(file: String, column: String, candidates: [String])
    /// One row is malformed: wrong field count, bad number, id out of range, bad bytes.
    case badRow(file: String, line: Int, reason: String)
    /// The format could not be told from the file's name and first line.
    case unknownFormat(file: String, firstLine: String)
    /// An option value makes no sense (negative k-core, quantile outside 0...1, ...).
    case invalidOption(String)
    /// Preprocessing or splitting left nothing to work with.
    case nothingLeft(String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): "\(file): cannot read: \(reason)"
        case .unwritable(let file, let reason): "\(file): cannot write: \(reason)"
        case .emptyFile(let file): "\(file): the file holds no interactions"
        case .allRowsSkipped(let file, let count, let firstLine, let firstReason):
            "\(file): all \(count) data rows are malformed and were skipped, the first at line \(firstLine): \(firstReason)"
        case .missingColumn(let file, let column, let header):
            "\(file): no \(column) column (header: \(header.joined(separator: ", "))); name it with --columns"
        case .ambiguousColumn(let file, let column, let candidates):
            "\(file): more than one \(column) column (\(candidates.joined(separator: ", "))); choose one with --columns \(column)=NAME or a 0-based position"
        case .badRow(let file, let line, let reason): "\(file):\(line): \(reason)"
        case .unknownFormat(let file, let firstLine):
            "\(file): cannot tell the format from the first line \"\(firstLine)\"; name it with --format (\(InteractionFormat.allCases.map(\.rawValue).joined(separator: ", ")))"
        case .invalidOption(let message): "invalid option: \(message)"
        case .nothingLeft(let message): message
        }
    }
}
