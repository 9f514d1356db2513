/// What reading an interaction file produced.
public struct ReadResult: Sendable {
    /// The events, in file order.
    public var log: InteractionLog
    /// Malformed rows left out (only with `ReadOptions.skipBadRows`).
    public var skippedRows: Int
    /// The format the file was read as (detected or given).
    public var format: InteractionFormat
}
