/// The named slices of a flat parameter buffer.
///
/// Parameters, gradients and optimizer moments share this layout, so one fused op can
/// update them all and checkpoints can name each slice (the names follow PyTorch's
/// `state_dict` keys and become safetensors tensor names).
public struct ParameterLayout: Sendable, Hashable {
    /// One named tensor inside the flat buffer.
    public struct Entry: Sendable, Hashable {
        /// The tensor's name, such as `blocks.0.linear1.weight`.
        public let name: String
        /// The tensor's shape.
        public let shape: [Int]
        /// The index of its first element in the flat buffer.
        public let offset: Int
        /// Whether AdamW's weight decay applies (weights and embeddings, not biases or norms).
        public let decays: Bool
        /// The number of elements.
        public var count: Int { shape.reduce(1, *) }
    }

    /// Slices start at multiples of this many elements, so that vectorised device kernels
    /// can load every slice with aligned accesses.
    public static let alignment = 16

    /// The entries in buffer order.
    public private(set) var entries: [Entry] = []
    /// The number of elements of the flat buffer (including alignment gaps, which stay zero).
    public private(set) var totalCount = 0

    /// An empty layout.
    public init() {}

    /// Adds a slice at the next aligned offset and returns it.
    @discardableResult
    public mutating func append(name: String, shape: [Int], decays: Bool) -> Entry {
        precondition(entry(named: name) == nil, "parameter \(name) appears twice")
        let offset = (totalCount + Self.alignment - 1) / Self.alignment * Self.alignment
        let entry = Entry(name: name, shape: shape, offset: offset, decays: decays)
        entries.append(entry)
        totalCount = offset + entry.count
        return entry
    }

    /// The entry called `name`, if any.
    public func entry(named name: String) -> Entry? {
        entries.first { $0.name == name }
    }

    /// The view of `entry` inside a flat buffer of this layout.
    public func view(of entry: Entry, in buffer: Tensor) -> Tensor {
        buffer.view(offset: entry.offset, shape: entry.shape)
    }
}
