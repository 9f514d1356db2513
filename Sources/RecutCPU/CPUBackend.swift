import Foundation
import RecutCore

/// The CPU backend: float32 kernels for training and float64 kernels for reference
/// checks, with matrix products through a BLAS opened at run time (OpenBLAS when installed,
/// else `PortableGEMM`) and row loops spread over the cores.
/// bfloat16 operands are widened to float32 around the float32 kernels (see
/// `widenedBFloat16`), so mixed-precision models run here as the twins of their GPU runs.
///
/// The BLAS runs single-threaded; the backend itself splits work into chunks, so that
/// products called from inside parallel loops (attention) do not oversubscribe the cores.
public final class CPUBackend: Backend {
    public let name = "cpu"
    /// The host's physical memory: the CPU backend allocates from the process's heap.
    public var freeMemoryBytes: Int { Int(clamping: ProcessInfo.processInfo.physicalMemory) }
    /// The bytes held by the tensors this backend made.
    public let memory = CPUMemoryLedger()

    /// Creates the backend.
    public init() {}

    /// What multiplies its matrices: the BLAS library opened at run time, or the built-in products.
    public static var matrixProducts: String { BLASLibrary.description }

    // MARK: Memory

    public func makeTensor(shape: [Int], dtype: DType) -> Tensor {
        Tensor(shape: shape, storage: CPUStorage(elementCapacity: shape.reduce(1, *), dtype: dtype, ledger: memory))
    }

    public func upload(_ values: [Float], shape: [Int]) -> Tensor {
        let tensor = makeTensor(shape: shape, dtype: .float32)
        write(values, into: tensor)
        return tensor
    }

    public func upload(_ values: [Double], shape: [Int]) -> Tensor {
        let tensor = makeTensor(shape: shape, dtype: .float64)
        write(values, into: tensor)
        return tensor
    }

    public func upload(_ values: [Int32], shape: [Int]) -> Tensor {
        let tensor = makeTensor(shape: shape, dtype: .int32)
        write(values, into: tensor)
        return tensor
    }

    public func write(_ values: [Double], into tensor: Tensor) { writeFloatingPoint(values, into: tensor) }

    public func write(_ values: [Float], into tensor: Tensor) { writeFloatingPoint(values, into: tensor) }

    /// Converts `values` to `tensor`'s floating-point dtype in place.
    private func writeFloatingPoint<Source: BinaryFloatingPoint>(_ values: [Source], into tensor: Tensor) {
        precondition(values.count <= tensor.count, "writing \(values.count) values into \(tensor.count) elements")
        switch tensor.dtype {
        case .float32: convert(values, into: tensor.pointer(as: Float.self))
        case .float64: convert(values, into: tensor.pointer(as: Double.self))
        case .bfloat16:
            let target = tensor.pointer(as: UInt16.self)
            for i in values.indices { target[i] = BFloat16.bits(Float(values[i])) }
        case .int32: preconditionFailure("writing floating-point values into an int32 tensor")
        }
    }

    public func write(_ values: [Int32], into tensor: Tensor) {
        precondition(tensor.dtype == .int32, "writing ids into a \(tensor.dtype) tensor")
        precondition(values.count <= tensor.count, "writing \(values.count) values into \(tensor.count) elements")
        values.withUnsafeBufferPointer { source in
            tensor.pointer(as: Int32.self).update(from: source.baseAddress!, count: source.count)
        }
    }

    public func download(_ tensor: Tensor) -> [Double] {
        switch tensor.dtype {
        case .float32: converted(tensor.pointer(as: Float.self), count: tensor.count)
        case .float64: Array(UnsafeBufferPointer(start: tensor.pointer(as: Double.self), count: tensor.count))
        case .bfloat16: UnsafeBufferPointer(start: tensor.pointer(as: UInt16.self), count: tensor.count).map { Double(BFloat16.value($0)) }
        case .int32: preconditionFailure("downloading an int32 tensor as floating-point values")
        }
    }

    public func download(_ tensor: Tensor) -> [Float] {
        switch tensor.dtype {
        case .float32: Array(UnsafeBufferPointer(start: tensor.pointer(as: Float.self), count: tensor.count))
        case .float64: converted(tensor.pointer(as: Double.self), count: tensor.count)
        case .bfloat16: UnsafeBufferPointer(start: tensor.pointer(as: UInt16.self), count: tensor.count).map(BFloat16.value)
        case .int32: preconditionFailure("downloading an int32 tensor as floating-point values")
        }
    }

    public func download(_ tensor: Tensor) -> [Int32] {
        precondition(tensor.dtype == .int32, "downloading a \(tensor.dtype) tensor as ids")
        return Array(UnsafeBufferPointer(start: tensor.pointer(as: Int32.self), count: tensor.count))
    }

    public func fill(_ tensor: Tensor, with value: Double) {
        switch tensor.dtype {
        case .float32: tensor.pointer(as: Float.self).update(repeating: Float(value), count: tensor.count)
        case .float64: tensor.pointer(as: Double.self).update(repeating: value, count: tensor.count)
        case .bfloat16: tensor.pointer(as: UInt16.self).update(repeating: BFloat16.bits(Float(value)), count: tensor.count)
        case .int32: tensor.pointer(as: Int32.self).update(repeating: Int32(value), count: tensor.count)
        }
    }

    public func copy(_ destination: Tensor, from source: Tensor) {
        precondition(destination.count == source.count,
                     "copying \(source.count) elements into \(destination.count)")
        switch (destination.dtype, source.dtype) {
        case (.float32, .float32):
            destination.pointer(as: Float.self).update(from: source.pointer(as: Float.self), count: source.count)
        case (.float64, .float64):
            destination.pointer(as: Double.self).update(from: source.pointer(as: Double.self), count: source.count)
        case (.int32, .int32):
            destination.pointer(as: Int32.self).update(from: source.pointer(as: Int32.self), count: source.count)
        case (.bfloat16, .bfloat16):
            destination.pointer(as: UInt16.self).update(from: source.pointer(as: UInt16.self), count: source.count)
        case (.bfloat16, .float32):
            let to = destination.pointer(as: UInt16.self), from = source.pointer(as: Float.self)
            for i in 0..<source.count { to[i] = BFloat16.bits(from[i]) }
        case (.float32, .bfloat16):
            let to = destination.pointer(as: Float.self), from = source.pointer(as: UInt16.self)
            for i in 0..<source.count { to[i] = BFloat16.value(from[i]) }
        case (.float32, .float64):
            let to = destination.pointer(as: Float.self), from = source.pointer(as: Double.self)
            for i in 0..<source.count { to[i] = Float(from[i]) }
        case (.float64, .float32):
            let to = destination.pointer(as: Double.self), from = source.pointer(as: Float.self)
            for i in 0..<source.count { to[i] = Double(from[i]) }
        default:
            preconditionFailure("copying \(source.dtype) into \(destination.dtype)")
        }
    }

    // MARK: Dispatch

    /// Runs the float32 or float64 specialisation of a kernel according to `dtype`.
    @inline(__always)
    func dispatch(_ dtype: DType, float: () -> Void, double: () -> Void) {
        switch dtype {
        case .float32: float()
        case .float64: double()
        case .bfloat16: preconditionFailure("bfloat16 operands reach the kernels only through widenedBFloat16")
        case .int32: preconditionFailure("floating-point op called on an int32 tensor")
        }
    }

    private func convert<Source: BinaryFloatingPoint, Target: BinaryFloatingPoint>(
        _ values: [Source], into target: UnsafeMutablePointer<Target>
    ) {
        values.withUnsafeBufferPointer { source in
            for i in source.indices { target[i] = Target(source[i]) }
        }
    }

    private func converted<Source: BinaryFloatingPoint, Target: BinaryFloatingPoint>(
        _ source: UnsafePointer<Source>, count: Int
    ) -> [Target] {
        [Target](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = Target(source[i]) }
            initialized = count
        }
    }
}
