import Testing
@testable import RecutCPU

/// The built-in matrix product against a plain triple loop in float64: every instruction set
/// the machine has, every transpose, shapes with partial tiles and several panels, alpha and
/// beta (beta 0 must not read c).
@Suite(.serialized) struct PortableGEMMTests {
    private func expected(_ transposeA: Bool, _ transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                          a: [Double], lda: Int, b: [Double], ldb: Int, beta: Double, c: [Double], ldc: Int) -> [Double] {
        var result = c
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    sum += (transposeA ? a[p * lda + i] : a[i * lda + p]) * (transposeB ? b[j * ldb + p] : b[p * ldb + j])
                }
                result[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
        return result
    }

    @Test(arguments: [(3, 5, 7), (4, 8, 1), (70, 20, 300), (5, 530, 20), (9, 17, 513), (1, 1, 0), (300, 70, 100),
                      (130, 2100, 9)])
    func matchesATripleLoop(shape: (Int, Int, Int)) {
        forEachInstructionSet { instructionSet in matchesATripleLoop(shape: shape, instructionSet: instructionSet) }
    }

    private func matchesATripleLoop(shape: (Int, Int, Int), instructionSet: String) {
        let (m, n, k) = shape
        var generator = SplitMixForTests(seed: UInt64(m * 1000 + n * 10 + k))
        for transposeA in [false, true] {
            for transposeB in [false, true] {
                for (alpha, beta) in [(1.0, 0.0), (0.5, 1.0), (-1.5, 0.25)] {
                    let lda = (transposeA ? m : k) + 1, ldb = (transposeB ? k : n) + 2, ldc = n + 3
                    let a = (0..<((transposeA ? k : m) * lda)).map { _ in generator.unit() }
                    let b = (0..<((transposeB ? n : k) * ldb)).map { _ in generator.unit() }
                    // NaN where beta 0 must overwrite without reading.
                    let c = (0..<(m * ldc)).map { _ in beta == 0 ? Double.nan : generator.unit() }
                    let reference = expected(transposeA, transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                                             b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
                    var actual = c
                    actual.withUnsafeMutableBufferPointer { output in
                        PortableGEMM.multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                              alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta,
                                              c: output.baseAddress!, ldc: ldc)
                    }
                    var worst = 0.0
                    for i in 0..<m {
                        for j in 0..<n { worst = max(worst, abs(actual[i * ldc + j] - reference[i * ldc + j])) }
                    }
                    #expect(worst <= 1e-12 * Double(max(k, 1)), "\(instructionSet) \(m)x\(n)x\(k) \(transposeA) \(transposeB) \(alpha) \(beta)")
                    // Padding columns of c stay as they were.
                    for i in 0..<m { #expect(actual[i * ldc + n ..< i * ldc + ldc].elementsEqual(c[i * ldc + n ..< i * ldc + ldc]) { $0 == $1 || ($0.isNaN && $1.isNaN) }) }
                }
            }
        }
    }

    @Test func floatMatchesDouble() {
        forEachInstructionSet { _ in floatMatchesDoubleOnce() }
    }

    private func floatMatchesDoubleOnce() {
        var generator = SplitMixForTests(seed: 9)
        let m = 37, n = 45, k = 300
        let a = (0..<(m * k)).map { _ in generator.unit() }, b = (0..<(k * n)).map { _ in generator.unit() }
        var wide = [Double](repeating: 0, count: m * n), narrow = [Float](repeating: 0, count: m * n)
        wide.withUnsafeMutableBufferPointer {
            PortableGEMM.multiply(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b,
                                  ldb: n, beta: 0, c: $0.baseAddress!, ldc: n)
        }
        let aFloat = a.map(Float.init), bFloat = b.map(Float.init)
        narrow.withUnsafeMutableBufferPointer {
            PortableGEMM.multiply(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: Float(1), a: aFloat,
                                  lda: k, b: bFloat, ldb: n, beta: 0, c: $0.baseAddress!, ldc: n)
        }
        for index in 0..<(m * n) { #expect(abs(Double(narrow[index]) - wide[index]) <= 1e-4 * max(1, abs(wide[index]))) }
    }
}

/// A small deterministic generator for these tests.
private struct SplitMixForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53) * 2 - 1
    }
}

@Suite struct BLASLibraryTests {
    @Test func noneAndMissingLibrariesFallBackToTheBuiltInProducts() {
        #expect(BLASLibrary.open("none") == nil)
        #expect(BLASLibrary.open("/nonexistent/libcblas.so") == nil)
        // A library without the CBLAS symbols (libm) is not taken for a BLAS.
        #expect(BLASLibrary.open("libm.so.6") == nil)
    }
}
