import CVectorKernels
import Foundation
import RecutCore
import RecutCPU

/// One backend shared by the tests (it holds no state besides OpenBLAS's thread setting).
let backend = CPUBackend()

/// Seeded normal-ish random values (uniform in [-1, 1) scaled), reproducible per seed.
func randomValues(_ count: Int, seed: UInt64, scale: Double = 1) -> [Double] {
    var generator = SplitMix64(seed: seed)
    return (0..<count).map { _ in (generator.nextUnit() * 2 - 1) * scale }
}

/// max|a - b| / max(max|b|, tiny): the relative error used by every check.
func relativeError(_ actual: [Double], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "comparing \(actual.count) values with \(expected.count)")
    var difference = 0.0, magnitude = 0.0
    for (a, b) in zip(actual, expected) {
        difference = max(difference, abs(a - b))
        magnitude = max(magnitude, abs(b))
    }
    return difference / max(magnitude, 1e-300)
}

/// The central finite-difference gradient of `loss` at `point`.
func numericalGradient(at point: [Double], step: Double = 1e-5, _ loss: ([Double]) -> Double) -> [Double] {
    var shifted = point
    return point.indices.map { i in
        shifted[i] = point[i] + step
        let up = loss(shifted)
        shifted[i] = point[i] - step
        let down = loss(shifted)
        shifted[i] = point[i]
        return (up - down) / (2 * step)
    }
}

/// sum(values * weights), the scalar whose gradient the backward checks compare.
func weightedSum(_ values: [Double], _ weights: [Double]) -> Double {
    zip(values, weights).reduce(0) { $0 + $1.0 * $1.1 }
}

/// Uploads float64 values.
func tensor(_ values: [Double], _ shape: [Int]) -> Tensor { backend.upload(values, shape: shape) }

/// Downloads a tensor as float64 values.
func values(_ tensor: Tensor) -> [Double] { backend.download(tensor) }

/// Runs `body` with the C kernels (CVectorKernels: the built-in products, softmax
/// cross-entropy, GELU, dropout) limited to each instruction set in turn (sse2, avx2+fma,
/// avx512f; capped at what the machine has), passing its name. The limit is process-wide, so
/// callers take turns (other tests may meanwhile run on a narrower set, which is only slower).
func forEachInstructionSet(_ body: (String) -> Void) {
    instructionSetTurn.lock()
    defer {
        recut_limit_instruction_set(2)
        instructionSetTurn.unlock()
    }
    for level in Int32(0)...2 {
        recut_limit_instruction_set(level)
        body(String(cString: recut_instruction_set_name()))
    }
}

private let instructionSetTurn = NSLock()
