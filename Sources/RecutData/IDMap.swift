/// A two-way map between external ids (strings from the source) and dense internal ids.
///
/// Internal ids are positions in `names`. For items, position 0 holds the padding entry
/// (an empty name) so that real items are 1...count.
public struct IDMap: Sendable, Equatable {
    /// External id of each internal id.
    public private(set) var names: [String]
    private var index: [String: Int32]

    /// Builds the map from external ids in internal-id order; names must be unique.
    public init(names: [String]) {
        self.names = names
        var index = [String: Int32](minimumCapacity: names.count)
        for (position, name) in names.enumerated() { index[name] = Int32(position) }
        precondition(index.count == names.count, "IDMap names must be unique")
        self.index = index
    }

    /// Number of entries (padding included, if any).
    public var count: Int { names.count }

    /// Internal id of an external id, or nil when unknown.
    public func id(of name: String) -> Int32? { index[name] }

    /// External id of an internal id.
    public func name(of id: Int32) -> String { names[Int(id)] }
}
