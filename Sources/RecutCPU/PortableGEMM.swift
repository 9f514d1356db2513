/// Row-major c = alpha * op(a) op(b) + beta * c without a BLAS library, for machines that have
/// none: panels of op(a) and op(b) are packed into contiguous blocks (the transposes resolved
/// while packing, the edges padded with zeros), then each 4 x 8 tile of c is accumulated in
/// registers with SIMD8 multiply-adds over the panel's depth. Single-threaded, as the BLAS is:
/// the backend spreads its work over the cores itself (splitting products by rows as well
/// made the README's run slower on 2 cores).
enum PortableGEMM {
    /// Rows and columns of the register tile.
    static let tileRows = 4, tileColumns = 8
    /// Depth, columns and rows of the packed panels (a b panel of 256 x 512 floats is 512 KiB).
    static let panelDepth = 256, panelColumns = 512, panelRows = 64

    /// BLAS's sgemm/dgemm with row-major operands: a is [m, k] (stored [k, m] when transposed),
    /// b is [k, n] (stored [n, k] when transposed); with beta 0, c is written without being read.
    static func multiply<S: CPUScalar & SIMDScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: S, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int,
        beta: S, c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        guard m > 0 && n > 0 else { return }
        if k == 0 || alpha == 0 {
            for i in 0..<m {
                for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] }
            }
            return
        }
        // Sized to this product, so that the many small ones (attention's) pack on the stack.
        let bCapacity = min(panelDepth, k) * roundedUp(min(panelColumns, n), tileColumns)
        let aCapacity = roundedUp(min(panelRows, m), tileRows) * min(panelDepth, k)
        withUnsafeTemporaryAllocation(of: S.self, capacity: bCapacity) { packedB in
            withUnsafeTemporaryAllocation(of: S.self, capacity: aCapacity) { packedA in
                multiply(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                         b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, packedA: packedA.baseAddress!,
                         packedB: packedB.baseAddress!)
            }
        }
    }

    /// `multiply` with its packing buffers.
    private static func multiply<S: CPUScalar & SIMDScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: S, a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int,
        beta: S, c: UnsafeMutablePointer<S>, ldc: Int, packedA: UnsafeMutablePointer<S>, packedB: UnsafeMutablePointer<S>
    ) {
        for firstColumn in stride(from: 0, to: n, by: panelColumns) {
            let columns = min(panelColumns, n - firstColumn), width = roundedUp(columns, tileColumns)
            for firstDepth in stride(from: 0, to: k, by: panelDepth) {
                let depth = min(panelDepth, k - firstDepth)
                // Column strips of 8: strip s holds its depth x 8 values contiguously, as the tiles read them.
                for p in 0..<depth {
                    for j in 0..<width {
                        let (row, column) = (firstDepth + p, firstColumn + j)
                        packedB[(j / tileColumns) * depth * tileColumns + p * tileColumns + j % tileColumns] =
                            j >= columns ? 0 : transposeB ? b[column * ldb + row] : b[row * ldb + column]
                    }
                }
                for firstRow in stride(from: 0, to: m, by: panelRows) {
                    let rows = min(panelRows, m - firstRow), height = roundedUp(rows, tileRows)
                    for i in 0..<height {
                        for p in 0..<depth {
                            let (row, column) = (firstRow + i, firstDepth + p)
                            packedA[i * depth + p] = i >= rows ? 0 : transposeA ? a[column * lda + row] : a[row * lda + column]
                        }
                    }
                    let output = Output(c: c, ldc: ldc, firstRow: firstRow, firstColumn: firstColumn, rows: rows,
                                        columns: columns, alpha: alpha, beta: beta, accumulates: firstDepth > 0)
                    for i in stride(from: 0, to: height, by: tileRows) {
                        for j in stride(from: 0, to: width, by: tileColumns) {
                            tile(packedA + i * depth, packedB + j * depth, depth: depth, into: output, row: i, column: j)
                        }
                    }
                }
            }
        }
    }

    /// Where a panel's tiles go in c, and how they combine with what is there.
    private struct Output<S: CPUScalar> {
        let c: UnsafeMutablePointer<S>
        let ldc, firstRow, firstColumn, rows, columns: Int
        let alpha, beta: S
        /// Whether an earlier depth panel already wrote c (then the tile adds to it).
        let accumulates: Bool
    }

    /// One 4 x 8 tile: rows `row`... of the packed a panel (depth-contiguous) times the packed
    /// b strip at `b` (depth x 8, contiguous), written into c at `row`, `column` of the panel.
    @inline(__always)
    private static func tile<S: CPUScalar & SIMDScalar>(_ a: UnsafeMutablePointer<S>, _ b: UnsafeMutablePointer<S>,
                                                         depth: Int, into output: Output<S>, row: Int, column: Int) {
        var sum0 = SIMD8<S>(), sum1 = SIMD8<S>(), sum2 = SIMD8<S>(), sum3 = SIMD8<S>()
        let raw = UnsafeRawPointer(b)
        for p in 0..<depth {
            let values = raw.loadUnaligned(fromByteOffset: p * tileColumns * MemoryLayout<S>.stride, as: SIMD8<S>.self)
            sum0 += a[p] * values
            sum1 += a[depth + p] * values
            sum2 += a[2 * depth + p] * values
            sum3 += a[3 * depth + p] * values
        }
        store(sum0, row: row, column: column, into: output)
        store(sum1, row: row + 1, column: column, into: output)
        store(sum2, row: row + 2, column: column, into: output)
        store(sum3, row: row + 3, column: column, into: output)
    }

    /// Writes one row of a tile into c, skipping the padding past the panel's rows and columns.
    @inline(__always)
    private static func store<S: CPUScalar & SIMDScalar>(_ sums: SIMD8<S>, row: Int, column: Int, into output: Output<S>) {
        guard row < output.rows else { return }
        let line = output.c + (output.firstRow + row) * output.ldc + output.firstColumn + column
        for q in 0..<min(tileColumns, output.columns - column) {
            let product = output.alpha * sums[q]
            line[q] = output.accumulates ? line[q] + product : output.beta == 0 ? product : output.beta * line[q] + product
        }
    }

    private static func roundedUp(_ value: Int, _ multiple: Int) -> Int { (value + multiple - 1) / multiple * multiple }
}
