import Testing
import RecutCore
import RecutCPU

/// The naive product of row-major matrices with optional transposes.
private func naiveMatmul(_ a: [Double], _ b: [Double], _ c: [Double], m: Int, n: Int, k: Int,
                         transposeA: Bool, transposeB: Bool, alpha: Double, beta: Double) -> [Double] {
    var result = c
    for i in 0..<m {
        for j in 0..<n {
            var sum = 0.0
            for p in 0..<k {
                let x = transposeA ? a[p * m + i] : a[i * k + p]
                let y = transposeB ? b[j * k + p] : b[p * n + j]
                sum += x * y
            }
            result[i * n + j] = alpha * sum + beta * c[i * n + j]
        }
    }
    return result
}

@Test(arguments: [(false, false), (true, false), (false, true), (true, true)])
func matmulMatchesNaiveProduct(transposeA: Bool, transposeB: Bool) {
    for (m, n, k) in [(5, 7, 3), (300, 40, 70)] {
        let a = randomValues(m * k, seed: 1), b = randomValues(k * n, seed: 2), c = randomValues(m * n, seed: 3)
        let expected = naiveMatmul(a, b, c, m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB,
                                   alpha: 0.7, beta: 0.3)
        let output = tensor(c, [m, n])
        backend.matmul(output, tensor(a, [m * k]), tensor(b, [k * n]), rows: m, columns: n, inner: k,
                       transposeA: transposeA, transposeB: transposeB, alpha: 0.7, beta: 0.3)
        #expect(relativeError(values(output), expected) < 1e-12)

        let output32 = backend.upload(c.map(Float.init), shape: [m, n])
        backend.matmul(output32, backend.upload(a.map(Float.init), shape: [m * k]),
                       backend.upload(b.map(Float.init), shape: [k * n]), rows: m, columns: n, inner: k,
                       transposeA: transposeA, transposeB: transposeB, alpha: 0.7, beta: 0.3)
        #expect(relativeError(values(output32), expected) < 1e-5)
    }
}

@Test func batchedMatmulMultipliesEachItem() {
    let (m, n, k, count) = (4, 6, 5, 3)
    let a = randomValues(count * m * k, seed: 4), b = randomValues(count * k * n, seed: 5)
    let output = backend.makeTensor(shape: [count, m, n], dtype: .float64)
    backend.batchedMatmul(output, tensor(a, [a.count]), tensor(b, [b.count]), rows: m, columns: n, inner: k,
                          transposeA: false, transposeB: true, alpha: 1, beta: 0,
                          batchCount: count, outputStride: m * n, aStride: m * k, bStride: k * n)
    let result = values(output)
    for item in 0..<count {
        let expected = naiveMatmul(Array(a[(item * m * k)..<((item + 1) * m * k)]),
                                   Array(b[(item * k * n)..<((item + 1) * k * n)]),
                                   [Double](repeating: 0, count: m * n), m: m, n: n, k: k,
                                   transposeA: false, transposeB: true, alpha: 1, beta: 0)
        #expect(relativeError(Array(result[(item * m * n)..<((item + 1) * m * n)]), expected) < 1e-12)
    }
}
