/// The element type of a tensor.
///
/// `float32` is the training type on CPU, `float64` the reference type of the gradient
/// checks, `int32` the type of item and position ids; reduced-precision GPU types join later.
public enum DType: Sendable, Hashable, CustomStringConvertible {
    case float32
    case float64
    case int32

    /// The size of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float64: 8
        }
    }

    /// Whether the type holds real numbers (as opposed to ids).
    public var isFloatingPoint: Bool { self != .int32 }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .float64: "float64"
        case .int32: "int32"
        }
    }
}
