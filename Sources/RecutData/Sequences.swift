/// Variable-length item sequences packed back to back (compressed sparse rows).
///
/// Sequence `s` is `items[offsets[s]..<offsets[s + 1]]`, in time order, with the matching
/// `timestamps`. Item ids are dense (1...catalog size); 0 is reserved for padding.
public struct Sequences: Sendable, Equatable {
    /// `count + 1` offsets into `items` and `timestamps`, starting at 0.
    public var offsets: [Int]
    /// Dense item ids of all sequences, back to back.
    public var items: [Int32]
    /// Time of each entry of `items`.
    public var timestamps: [Double]

    public init(offsets: [Int] = [0], items: [Int32] = [], timestamps: [Double] = []) {
        precondition(offsets.first == 0 && offsets.last == items.count && items.count == timestamps.count,
                     "malformed Sequences")
        self.offsets = offsets
        self.items = items
        self.timestamps = timestamps
    }

    /// Number of sequences.
    public var count: Int { offsets.count - 1 }

    /// The items of sequence `index`, in time order.
    public subscript(index: Int) -> ArraySlice<Int32> { items[offsets[index]..<offsets[index + 1]] }

    /// The timestamps of sequence `index`.
    public func times(_ index: Int) -> ArraySlice<Double> { timestamps[offsets[index]..<offsets[index + 1]] }

    /// Length of sequence `index`.
    public func length(_ index: Int) -> Int { offsets[index + 1] - offsets[index] }

    /// Appends one sequence at the end.
    public mutating func append<I: Collection, T: Collection>(items newItems: I, timestamps newTimes: T)
    where I.Element == Int32, T.Element == Double {
        precondition(newItems.count == newTimes.count, "items and timestamps differ in length")
        items.append(contentsOf: newItems)
        timestamps.append(contentsOf: newTimes)
        offsets.append(items.count)
    }
}
