/// Size and seed of a generated interaction log.
public struct SyntheticConfig: Sendable, Hashable, Codable {
    /// Number of users (one sequence each).
    public var users: Int
    /// Number of items in the catalog; rarely drawn items may not appear in the log.
    public var items: Int
    /// Average number of events per user.
    public var meanLength: Int
    /// Seed of every random choice: the same config gives the same log.
    public var seed: UInt64

    /// Creates a config; the defaults give about 240,000 events, near MovieLens-1M in shape.
    public init(users: Int = 6000, items: Int = 3000, meanLength: Int = 40, seed: UInt64 = 42) {
        self.users = users
        self.items = items
        self.meanLength = meanLength
        self.seed = seed
    }

    /// Throws `DataError.invalidOption` when a size is not positive.
    public func validate() throws(DataError) {
        if users < 1 { throw .invalidOption("synthetic users must be 1 or more, got \(users)") }
        if items < 1 { throw .invalidOption("synthetic items must be 1 or more, got \(items)") }
        if meanLength < 1 { throw .invalidOption("synthetic mean length must be 1 or more, got \(meanLength)") }
        if users > Int(Int32.max) || items > Int(Int32.max) {
            throw .invalidOption("synthetic users and items must stay below \(Int32.max)")
        }
    }
}
