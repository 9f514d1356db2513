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

extension Dataset {
    /// A content fingerprint of the preprocessed data (every event, its order, time and ids):
    /// checkpoints record it so that resuming or evaluating on changed data is caught.
    public var fingerprint: String {
        let parts: [UInt64] = [
            sequences.items.withUnsafeBytes { StableHash.hash($0) },
            sequences.timestamps.withUnsafeBytes { StableHash.hash($0) },
            sequences.offsets.withUnsafeBytes { StableHash.hash($0) },
            Array(users.names.joined(separator: "\n").utf8).withUnsafeBytes { StableHash.hash($0) },
            Array(items.names.joined(separator: "\n").utf8).withUnsafeBytes { StableHash.hash($0) },
        ]
        let combined = parts.withUnsafeBytes { StableHash.hash($0) }
        return String(combined, radix: 16).leftPadded(to: 16)
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
