/// What `preprocess` does to a raw log before it becomes a `Dataset`.
public struct PreprocessOptions: Sendable, Hashable, Codable {
    /// Events rated below this value are dropped; nil keeps every event.
    public var minimumRating: Float?
    /// Whether an event that repeats the user's previous item (same item twice in a row) is dropped.
    ///
    /// Applied before the core filter, as RecBole does: removing a rare item can leave two equal
    /// items side by side again.
    public var dropConsecutiveRepeats: Bool
    /// Users with fewer events than this are removed (repeatedly, with `itemCore`); 0 keeps all.
    public var userCore: Int
    /// Items with fewer events than this are removed (repeatedly, with `userCore`); 0 keeps all.
    public var itemCore: Int

    /// Creates options; the defaults keep every event in file-and-time order.
    public init(minimumRating: Float? = nil, dropConsecutiveRepeats: Bool = false, userCore: Int = 0, itemCore: Int = 0) {
        self.minimumRating = minimumRating
        self.dropConsecutiveRepeats = dropConsecutiveRepeats
        self.userCore = userCore
        self.itemCore = itemCore
    }

    /// A text that is identical for equal options in every process and run, for cache keys.
    ///
    /// `hashValue` is seeded per process, so it cannot name a file; the version prefix changes
    /// whenever the preprocessing algorithm changes, which invalidates old caches.
    public var fingerprint: String {
        let rating = minimumRating.map { "\($0)" } ?? "none"
        return "preprocess-v1(min-rating=\(rating),drop-repeats=\(dropConsecutiveRepeats),"
            + "user-core=\(userCore),item-core=\(itemCore))"
    }

    /// Throws `DataError.invalidOption` when a value makes no sense.
    public func validate() throws(DataError) {
        if userCore < 0 { throw .invalidOption("user core must be 0 or more, got \(userCore)") }
        if itemCore < 0 { throw .invalidOption("item core must be 0 or more, got \(itemCore)") }
        if let minimumRating, !minimumRating.isFinite {
            throw .invalidOption("minimum rating must be a finite number, got \(minimumRating)")
        }
    }
}
