import Foundation
import RecutCore

/// The hidden states, item table and targets shared by the fused loss passes, checked once
/// per op and read through typed pointers inside the kernels.
struct FusedOperands<S: CPUScalar> {
    let hidden: UnsafeMutablePointer<S>
    let table: UnsafeMutablePointer<S>
    let targets: UnsafeMutablePointer<Int32>
    /// N.
    let rows: Int
    /// d.
    let dimension: Int
    /// C + 1 (row 0 is the padding item).
    let tableRows: Int

    /// Checks the shapes, dtypes and target ids of one fused op.
    init(hidden: Tensor, table: Tensor, targets: Tensor, rows: Int, dimension: Int) {
        precondition(dimension > 0 && table.count % dimension == 0 && table.count / dimension >= 2,
                     "fused loss: table of \(table.count) elements is not at least two rows of \(dimension)")
        precondition(hidden.count >= rows * dimension,
                     "fused loss: hidden states of \(hidden.count) elements hold fewer than \(rows) rows of \(dimension)")
        precondition(hidden.dtype == table.dtype, "fused loss: hidden states and table must share one dtype")
        precondition(targets.dtype == .int32 && targets.count >= rows,
                     "fused loss: need \(rows) int32 targets, have \(targets.count) \(targets.dtype)")
        self.hidden = hidden.pointer(as: S.self)
        self.table = table.pointer(as: S.self)
        self.targets = targets.pointer(as: Int32.self)
        self.rows = rows
        self.dimension = dimension
        self.tableRows = table.count / dimension
        for r in 0..<rows {
            precondition(self.targets[r] >= 0 && Int(self.targets[r]) < tableRows,
                         "fused loss: target \(self.targets[r]) of row \(r) outside the items 0...\(tableRows - 1)")
        }
    }

    /// Row r of the hidden states.
    @inline(__always)
    func hiddenRow(_ r: Int) -> UnsafeMutablePointer<S> { hidden + r * dimension }

    /// The table row of item `id`, checked.
    @inline(__always)
    func tableRow(_ id: Int32) -> UnsafeMutablePointer<S> {
        precondition(id >= 0 && Int(id) < tableRows, "item id \(id) outside the table of \(tableRows) rows")
        return table + Int(id) * dimension
    }

    /// a · b over d elements, with four partial sums to shorten the dependency chain.
    @inline(__always)
    func dot(_ a: UnsafeMutablePointer<S>, _ b: UnsafeMutablePointer<S>) -> S {
        var s0: S = 0, s1: S = 0, s2: S = 0, s3: S = 0
        var c = 0
        while c + 4 <= dimension {
            s0 += a[c] * b[c]
            s1 += a[c + 1] * b[c + 1]
            s2 += a[c + 2] * b[c + 2]
            s3 += a[c + 3] * b[c + 3]
            c += 4
        }
        while c < dimension {
            s0 += a[c] * b[c]
            c += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// y += alpha * x over d elements.
    @inline(__always)
    func addScaled(_ y: UnsafeMutablePointer<S>, _ alpha: S, _ x: UnsafeMutablePointer<S>) {
        for c in 0..<dimension { y[c] += alpha * x[c] }
    }
}

/// Checks that the output and gradient tensors of a fused op fit its operands.
func checkFusedOutputs(_ rowOutputs: [Tensor], gradients: (hidden: Tensor, table: Tensor)?,
                       hidden: Tensor, table: Tensor, rows: Int, dimension: Int) {
    for output in rowOutputs {
        precondition(output.count >= rows && output.dtype == hidden.dtype,
                     "fused loss: per-row tensor of \(output.count) \(output.dtype) elements, need \(rows) \(hidden.dtype)")
    }
    if let gradients {
        precondition(gradients.hidden.count >= rows * dimension && gradients.hidden.dtype == hidden.dtype,
                     "fused loss: hidden gradient must hold \(rows) rows of \(dimension) \(hidden.dtype)")
        precondition(gradients.table.count == table.count && gradients.table.dtype == table.dtype,
                     "fused loss: table gradient must match the table's \(table.count) \(table.dtype) elements")
    }
}

/// The most chunks the fused passes split their rows or items into: one per core (up to 16).
/// Their results do not depend on it, since each row and each item sums its own terms in a
/// fixed order, so they are the same bits on every machine.
var fusedChunks: Int { max(1, min(16, ProcessInfo.processInfo.activeProcessorCount)) }
