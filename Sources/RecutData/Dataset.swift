/// A preprocessed dataset: one time-ordered item sequence per user, with dense ids.
///
/// Users are 0..<userCount; items are 1...itemCount, 0 being the padding id.
public struct Dataset: Sendable, Equatable {
    /// One sequence per user, sorted by time (ties keep file order).
    public var sequences: Sequences
    /// External user id of each dense user index.
    public var users: IDMap
    /// External item id of each dense item id; entry 0 is the padding item "".
    public var items: IDMap

    public init(sequences: Sequences, users: IDMap, items: IDMap) {
        precondition(sequences.count == users.count, "one sequence per user")
        precondition(items.names.first == "", "item id 0 is the padding entry")
        self.sequences = sequences
        self.users = users
        self.items = items
    }

    /// Number of users.
    public var userCount: Int { users.count }
    /// Number of real items (the padding id excluded).
    public var itemCount: Int { items.count - 1 }
    /// Number of events.
    public var interactionCount: Int { sequences.eventCount }
}
