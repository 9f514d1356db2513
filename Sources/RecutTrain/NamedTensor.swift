/// The element values of a tensor in one of the dtypes Recut stores.
public enum TensorValues: Sendable, Equatable {
    case float32([Float])
    case float64([Double])
    case int32([Int32])
    case int64([Int64])

    /// Number of elements.
    public var count: Int {
        switch self {
        case .float32(let values): values.count
        case .float64(let values): values.count
        case .int32(let values): values.count
        case .int64(let values): values.count
        }
    }

    /// The safetensors dtype name ("F32", "F64", "I32", "I64").
    public var dtype: String {
        switch self {
        case .float32: "F32"
        case .float64: "F64"
        case .int32: "I32"
        case .int64: "I64"
        }
    }

    /// Bytes per element.
    public var elementSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }
}

/// A tensor with a name and a row-major shape, held in plain host arrays.
///
/// Checkpoints deal in these rather than in model types, so that saving and loading do not
/// depend on any backend.
public struct NamedTensor: Sendable, Equatable {
    /// Unique name within a file, e.g. "item_embedding.weight".
    public var name: String
    /// Dimensions, outermost first; empty for a scalar.
    public var shape: [Int]
    /// Elements in row-major order; their count is the product of `shape`.
    public var values: TensorValues

    /// Makes a tensor; the number of values must equal the product of the shape.
    public init(name: String, shape: [Int], values: TensorValues) {
        precondition(shape.allSatisfy { $0 >= 0 }, "\(name): negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not hold \(values.count) values")
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// Makes a float32 tensor.
    public init(name: String, shape: [Int], values: [Float]) {
        self.init(name: name, shape: shape, values: .float32(values))
    }

    /// Makes a float64 tensor.
    public init(name: String, shape: [Int], values: [Double]) {
        self.init(name: name, shape: shape, values: .float64(values))
    }

    /// Makes an int32 tensor.
    public init(name: String, shape: [Int], values: [Int32]) {
        self.init(name: name, shape: shape, values: .int32(values))
    }
}
