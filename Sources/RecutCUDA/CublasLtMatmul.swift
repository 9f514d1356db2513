import CCUDA
import Foundation

/// Row-major matrix products through cuBLASLt with float32 accumulation: all-float32 in strict
/// fp32 (no TF32), or bfloat16 operands with a bfloat16 or float32 output (mixed precision).
///
/// cuBLASLt is column-major: the row-major product C = op(A) op(B) is computed as the
/// column-major product C^T = op(B)^T op(A)^T, which reads the same memory without copies.
final class CublasLtMatmul: @unchecked Sendable {
    private let api: ccuda_cublaslt_api
    private let handle: UnsafeMutableRawPointer
    private let workspace: UInt64
    /// The workspace; products below `tunedFlops` may use the first 32 MB of it, tuned ones all of it
    /// (split-K algorithms of the loss's long products keep their partial sums there).
    private let workspaceBytes = 256 << 20
    private let untunedWorkspaceBytes = 32 << 20
    /// Products of at least this many floating-point operations (a few milliseconds) time
    /// every algorithm the heuristic offers on their first run and keep the fastest.
    private static let tunedFlops = 50e9
    private static let candidateCount = 12

    /// The element types a product's operands and output may have (cudaDataType_t values).
    enum ElementType: Int32 {
        case float32 = 0
        case bfloat16 = 14
    }

    // cuBLAS enumerators used below (cublasComputeType_t, cudaDataType_t, attribute ids).
    // CUBLAS_COMPUTE_32F with float32 scales serves both the fp32 and the bf16-operand products.
    private static let compute32F: Int32 = 68
    private static let real32F: Int32 = 0
    private static let transposeAAttribute: Int32 = 3, transposeBAttribute: Int32 = 4
    private static let batchCountAttribute: Int32 = 5, batchStrideAttribute: Int32 = 6
    private static let maxWorkspaceAttribute: Int32 = 1

    init(driver: CUDADriver) throws(CUDAError) {
        api = try CUDALibraries.loadMatmul()
        var handle: UnsafeMutableRawPointer?
        try driver.makeCurrent()
        let created = api.cublasLtCreate!(&handle)
        guard created == 0 else { throw .matmulCall(call: "cublasLtCreate", code: created) }
        self.handle = handle!
        workspace = try driver.allocate(bytes: workspaceBytes)
    }

    private func check(_ result: Int32, _ call: String) throws(CUDAError) {
        guard result == 0 else { throw .matmulCall(call: call, code: result) }
    }

    /// A column-major layout of `rows` x `columns` `type` elements with leading dimension `leading`, batched.
    private func layout(_ type: ElementType, rows: Int, columns: Int, leading: Int, batchCount: Int, stride: Int)
        throws(CUDAError) -> UnsafeMutableRawPointer {
        var layout: UnsafeMutableRawPointer?
        try check(api.cublasLtMatrixLayoutCreate!(&layout, type.rawValue, UInt64(rows), UInt64(columns), Int64(leading)),
                  "cublasLtMatrixLayoutCreate")
        if batchCount > 1 {
            var count = Int32(batchCount), offset = Int64(stride)
            try check(api.cublasLtMatrixLayoutSetAttribute!(layout, Self.batchCountAttribute, &count, 4),
                      "cublasLtMatrixLayoutSetAttribute(batch count)")
            try check(api.cublasLtMatrixLayoutSetAttribute!(layout, Self.batchStrideAttribute, &offset, 8),
                      "cublasLtMatrixLayoutSetAttribute(batch stride)")
        }
        return layout!
    }

    /// The shape and types of one product: everything its descriptor, layouts and algorithm depend on.
    private struct PlanKey: Hashable {
        var operandType: ElementType, outputType: ElementType
        var rows: Int, columns: Int, inner: Int
        var transposeA: Bool, transposeB: Bool
        var batchCount: Int, outputStride: Int, aStride: Int, bStride: Int
    }

    /// A product's cuBLASLt descriptor, its three layouts and the chosen algorithm, made once per shape.
    private struct Plan {
        var description: UnsafeMutableRawPointer
        var first: UnsafeMutableRawPointer
        var second: UnsafeMutableRawPointer
        var result: UnsafeMutableRawPointer
        var heuristic: ccuda_matmul_heuristic
    }

    /// Plans by shape and types; a training step uses a few dozen shapes, kept for the backend's lifetime.
    private var plans: [PlanKey: Plan] = [:]
    private let plansLock = NSLock()

    /// output[m,n] = alpha * op(a) op(b) + beta * output for each of `batchCount` matrices (row-major);
    /// a and b hold `operandType` elements, output `outputType` ones.
    ///
    /// The descriptor, layouts and heuristic query are made on the first product of a shape
    /// and reused, so a steady-state product is one cublasLtMatmul call.
    func run(output: UInt64, a: UInt64, b: UInt64, operandType: ElementType, outputType: ElementType,
             rows m: Int, columns n: Int, inner k: Int,
             transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
             batchCount: Int, strides: (output: Int, a: Int, b: Int), driver: CUDADriver) throws(CUDAError) {
        try driver.makeCurrent()
        let key = PlanKey(operandType: operandType, outputType: outputType, rows: m, columns: n, inner: k,
                          transposeA: transposeA, transposeB: transposeB, batchCount: batchCount,
                          outputStride: strides.output, aStride: strides.a, bStride: strides.b)
        plansLock.lock()
        defer { plansLock.unlock() }
        let plan: Plan
        if let cached = plans[key] {
            plan = cached
        } else {
            let tuned = 2 * Double(m) * Double(n) * Double(k) * Double(batchCount) >= Self.tunedFlops && batchCount == 1
            let (made, candidates) = try makePlan(key, candidateCount: tuned ? Self.candidateCount : 1)
            plan = candidates.count > 1
                ? try fastest(made, candidates, output: output, a: a, b: b, key: key, alpha: alpha, beta: beta,
                              driver: driver)
                : made
            plans[key] = plan
        }
        try check(multiply(plan, plan.heuristic, output: output, a: a, b: b, alpha: alpha, beta: beta, driver: driver),
                  "cublasLtMatmul(\(m)x\(n)x\(k), batch \(batchCount))")
    }

    /// Queues one product with `heuristic`'s algorithm and returns cuBLASLt's status.
    private func multiply(_ plan: Plan, _ heuristic: ccuda_matmul_heuristic, output: UInt64, a: UInt64, b: UInt64,
                          alpha: Float, beta: Float, driver: CUDADriver) -> Int32 {
        var alphaValue = alpha, betaValue = beta
        var heuristic = heuristic
        return withUnsafePointer(to: &heuristic.algorithm) { algorithm in
            api.cublasLtMatmul!(handle, plan.description, &alphaValue,
                                UnsafeRawPointer(bitPattern: UInt(b)), plan.first,
                                UnsafeRawPointer(bitPattern: UInt(a)), plan.second, &betaValue,
                                UnsafeRawPointer(bitPattern: UInt(output)), plan.result,
                                UnsafeMutableRawPointer(bitPattern: UInt(output)), plan.result,
                                algorithm, UnsafeMutableRawPointer(bitPattern: UInt(workspace)),
                                min(heuristic.workspaceBytes, workspaceBytes), driver.stream)
        }
    }

    /// `plan` with the candidate that ran fastest (best of two timed runs after one warm-up).
    ///
    /// With beta 0 the candidates write the real output, which the caller's product then
    /// overwrites; otherwise they accumulate into a zeroed scratch copy of the output's size.
    private func fastest(_ plan: Plan, _ candidates: [ccuda_matmul_heuristic], output: UInt64, a: UInt64, b: UInt64,
                         key: PlanKey, alpha: Float, beta: Float, driver: CUDADriver) throws(CUDAError) -> Plan {
        let outputBytes = key.rows * key.columns * 4  // float32's size, enough for a bfloat16 output too
        var target = output
        if beta != 0 {
            target = try driver.allocate(bytes: outputBytes)
            try driver.fill32(target, pattern: 0, count: key.rows * key.columns)
        }
        defer { if beta != 0 { try? driver.synchronize(); try? driver.free(target) } }
        var best = plan
        var bestSeconds = Double.infinity
        var report: [String] = []
        for candidate in candidates {
            var seconds = Double.infinity
            for run in 0..<3 {
                try driver.synchronize()
                let start = ContinuousClock.now
                let status = multiply(plan, candidate, output: target, a: a, b: b, alpha: alpha, beta: beta,
                                      driver: driver)
                try driver.synchronize()
                guard status == 0 else { seconds = .infinity; break }
                let elapsed = ContinuousClock.now - start
                let measured = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
                if run > 0 { seconds = min(seconds, measured) }
            }
            report.append(String(format: "%.2f", seconds * 1e3))
            if seconds < bestSeconds {
                bestSeconds = seconds
                best.heuristic = candidate
            }
        }
        if ProcessInfo.processInfo.environment["RECUT_LOG_MATMUL_TUNING"] != nil {
            FileHandle.standardError.write(Data(("matmul \(key.rows)x\(key.columns)x\(key.inner) "
                + "\(key.operandType) -> \(key.outputType) "
                + "transposeA \(key.transposeA) transposeB \(key.transposeB): candidates ms [\(report.joined(separator: ", "))]"
                + " (heuristic's first is the first)\n").utf8))
        }
        return best
    }

    /// Creates the descriptor and layouts of `key` and asks the heuristic for up to
    /// `candidateCount` algorithms; the plan holds the heuristic's first.
    private func makePlan(_ key: PlanKey, candidateCount: Int) throws(CUDAError) -> (Plan, [ccuda_matmul_heuristic]) {
        let (m, n, k, batchCount) = (key.rows, key.columns, key.inner, key.batchCount)
        var description: UnsafeMutableRawPointer?
        try check(api.cublasLtMatmulDescCreate!(&description, Self.compute32F, Self.real32F), "cublasLtMatmulDescCreate")
        var operationFirst: Int32 = key.transposeB ? 1 : 0, operationSecond: Int32 = key.transposeA ? 1 : 0
        try check(api.cublasLtMatmulDescSetAttribute!(description, Self.transposeAAttribute, &operationFirst, 4),
                  "cublasLtMatmulDescSetAttribute(TRANSA)")
        try check(api.cublasLtMatmulDescSetAttribute!(description, Self.transposeBAttribute, &operationSecond, 4),
                  "cublasLtMatmulDescSetAttribute(TRANSB)")
        let operands = key.operandType
        let first = try key.transposeB
            ? layout(operands, rows: k, columns: n, leading: k, batchCount: batchCount, stride: key.bStride)
            : layout(operands, rows: n, columns: k, leading: n, batchCount: batchCount, stride: key.bStride)
        let second = try key.transposeA
            ? layout(operands, rows: m, columns: k, leading: m, batchCount: batchCount, stride: key.aStride)
            : layout(operands, rows: k, columns: m, leading: k, batchCount: batchCount, stride: key.aStride)
        let result = try layout(key.outputType, rows: n, columns: m, leading: n, batchCount: batchCount,
                                stride: key.outputStride)
        var preference: UnsafeMutableRawPointer?
        try check(api.cublasLtMatmulPreferenceCreate!(&preference), "cublasLtMatmulPreferenceCreate")
        defer { _ = api.cublasLtMatmulPreferenceDestroy!(preference) }
        var maximumWorkspace = UInt64(candidateCount > 1 ? workspaceBytes : untunedWorkspaceBytes)
        try check(api.cublasLtMatmulPreferenceSetAttribute!(preference, Self.maxWorkspaceAttribute, &maximumWorkspace, 8),
                  "cublasLtMatmulPreferenceSetAttribute(max workspace)")
        var heuristics = [ccuda_matmul_heuristic](repeating: ccuda_matmul_heuristic(), count: candidateCount)
        var found: Int32 = 0
        try check(api.cublasLtMatmulAlgoGetHeuristic!(handle, description, first, second, result, result, preference,
                                                      Int32(candidateCount), &heuristics, &found),
                  "cublasLtMatmulAlgoGetHeuristic(\(m)x\(n)x\(k), batch \(batchCount))")
        let usable = heuristics.prefix(Int(found)).filter { $0.state == 0 }
        guard let firstChoice = usable.first else {
            throw .matmulCall(call: "cublasLtMatmulAlgoGetHeuristic(\(m)x\(n)x\(k)) found no algorithm", code: 15)
        }
        return (Plan(description: description!, first: first, second: second, result: result, heuristic: firstChoice),
                Array(usable))
    }
}
