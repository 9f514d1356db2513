/// How to read an interaction file.
public struct ReadOptions: Sendable {
    /// The file's format; nil to detect it from the name and first line.
    public var format: InteractionFormat?
    /// Which columns to read; nil to find them by their usual names.
    public var columns: ColumnSelection?
    /// Whether malformed rows are skipped and counted rather than stopping the read.
    public var skipBadRows: Bool

    public init(format: InteractionFormat? = nil, columns: ColumnSelection? = nil, skipBadRows: Bool = false) {
        self.format = format
        self.columns = columns
        self.skipBadRows = skipBadRows
    }
}
