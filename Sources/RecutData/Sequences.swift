/// Variable-length item sequences, each a range of one shared item and timestamp storage.
///
/// Sequence `s` is `itemStorage[range(of: s)]`, in time order, with the matching entries of
/// `timeStorage`. Built by appending, the sequences are packed back to back (compressed sparse
/// rows); built with ``sharingStorage(ranges:)``, several values view one storage without
/// copying it (copy-on-write: it is copied only when one of them appends), so a split's
/// training sequences and evaluation inputs cost O(sequences) beside the dataset. Item ids are
/// dense (1...catalog size); 0 is reserved for padding. Equality compares contents, not storage.
public struct Sequences: Sendable, Equatable {
    /// Items of the sequences, and possibly of events in no sequence (shared storage).
    public private(set) var itemStorage: [Int32]
    /// Time of each entry of `itemStorage`.
    public private(set) var timeStorage: [Timestamp]
    /// Positions of each sequence in the storage.
    private var bounds: [Range<Int>]
    /// Whether the sequences are back to back from position 0 and fill the storage.
    private var isPacked: Bool
    /// Number of events in all sequences.
    public private(set) var eventCount: Int

    /// Packed sequences: sequence `s` is `items[offsets[s]..<offsets[s + 1]]`.
    public init(offsets: [Int] = [0], items: [Int32] = [], timestamps: [Timestamp] = []) {
        precondition(offsets.first == 0 && offsets.last == items.count && items.count == timestamps.count,
                     "malformed Sequences")
        var bounds: [Range<Int>] = []
        bounds.reserveCapacity(offsets.count - 1)
        for index in 1..<offsets.count {
            precondition(offsets[index - 1] <= offsets[index], "Sequences offsets must not decrease")
            bounds.append(offsets[index - 1]..<offsets[index])
        }
        self.init(itemStorage: items, timeStorage: timestamps, bounds: bounds, isPacked: true, eventCount: items.count)
    }

    private init(itemStorage: [Int32], timeStorage: [Timestamp], bounds: [Range<Int>], isPacked: Bool, eventCount: Int) {
        self.itemStorage = itemStorage
        self.timeStorage = timeStorage
        self.bounds = bounds
        self.isPacked = isPacked
        self.eventCount = eventCount
    }

    /// Sequences that are the given ranges of this value's storage, sharing it without a copy.
    ///
    /// Ranges are storage positions (as ``range(of:)`` gives them); they may overlap.
    public func sharingStorage(ranges: [Range<Int>]) -> Sequences {
        var eventCount = 0
        for range in ranges {
            precondition(range.lowerBound >= 0 && range.upperBound <= itemStorage.count, "range outside the storage")
            eventCount += range.count
        }
        return Sequences(itemStorage: itemStorage, timeStorage: timeStorage, bounds: ranges,
                         isPacked: isPacked && ranges == bounds, eventCount: eventCount)
    }

    /// Number of sequences.
    public var count: Int { bounds.count }

    /// Positions of sequence `index` in `itemStorage` and `timeStorage`.
    @inline(__always)
    public func range(of index: Int) -> Range<Int> { bounds[index] }

    /// The items of sequence `index`, in time order.
    public subscript(index: Int) -> ArraySlice<Int32> { itemStorage[bounds[index]] }

    /// The timestamps of sequence `index`.
    public func times(_ index: Int) -> ArraySlice<Timestamp> { timeStorage[bounds[index]] }

    /// Length of sequence `index`.
    public func length(_ index: Int) -> Int { bounds[index].count }

    /// The items of all sequences, one after the other: the storage itself when packed, else a copy.
    public var items: [Int32] { isPacked ? itemStorage : bounds.flatMap { itemStorage[$0] } }

    /// The timestamps of all sequences, one after the other, matching `items`.
    public var timestamps: [Timestamp] { isPacked ? timeStorage : bounds.flatMap { timeStorage[$0] } }

    /// `count + 1` offsets into `items` and `timestamps`, starting at 0.
    public var offsets: [Int] {
        var offsets = [0]
        offsets.reserveCapacity(bounds.count + 1)
        for range in bounds { offsets.append(offsets[offsets.count - 1] + range.count) }
        return offsets
    }

    /// Appends one sequence at the end (copying the storage first if it is shared).
    public mutating func append<I: Collection, T: Collection>(items newItems: I, timestamps newTimes: T)
    where I.Element == Int32, T.Element == Timestamp {
        precondition(newItems.count == newTimes.count, "items and timestamps differ in length")
        let start = itemStorage.count
        itemStorage.append(contentsOf: newItems)
        timeStorage.append(contentsOf: newTimes)
        bounds.append(start..<itemStorage.count)
        eventCount += newItems.count
    }

    public static func == (left: Sequences, right: Sequences) -> Bool {
        guard left.count == right.count, left.eventCount == right.eventCount else { return false }
        return (0..<left.count).allSatisfy { index in
            left[index] == right[index] && left.times(index) == right.times(index)
        }
    }
}
