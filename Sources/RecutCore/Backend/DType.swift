/// The element type of a tensor.
///
/// `float32` is the training type on CPU and the master-weight type everywhere, `float64` the
/// reference type of the gradient checks, `bfloat16` the activation and matmul-operand type
/// of mixed-precision training on GPUs, `int32` the type of item and position ids.
public enum DType: Sendable, Hashable, CustomStringConvertible {
    case float32
    case float64
    case bfloat16
    case int32

    /// The size of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .bfloat16: 2
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
        case .bfloat16: "bfloat16"
        case .int32: "int32"
        }
    }
}
