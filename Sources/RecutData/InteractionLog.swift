/// An event time: an integer in the file's own unit (seconds, milliseconds, nanoseconds...),
/// exact over the whole Int64 range; ISO-8601 dates are read as Unix seconds.
public typealias Timestamp = Int64

/// A raw interaction log as read from a file or generated: one row per event, in file order.
///
/// Columns are stored as parallel arrays so that tens of millions of events stay compact.
/// External ids are interned: `users[i]` indexes `userNames`, `items[i]` indexes `itemNames`.
public struct InteractionLog: Sendable {
    /// Interned user of each event (index into `userNames`).
    public var users: [Int32]
    /// Interned item of each event (index into `itemNames`).
    public var items: [Int32]
    /// Event time; formats without a time column use the row number, so file order is time order.
    public var timestamps: [Timestamp]
    /// Explicit rating of each event, when the source has a rating column.
    public var ratings: [Float]?
    /// External user ids, in order of first appearance.
    public var userNames: [String]
    /// External item ids, in order of first appearance.
    public var itemNames: [String]

    public init(
        users: [Int32], items: [Int32], timestamps: [Timestamp], ratings: [Float]? = nil,
        userNames: [String], itemNames: [String]
    ) {
        self.users = users
        self.items = items
        self.timestamps = timestamps
        self.ratings = ratings
        self.userNames = userNames
        self.itemNames = itemNames
    }

    /// Number of events.
    public var count: Int { users.count }
}
