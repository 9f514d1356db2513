import CCUDA

/// Row-major float32 matrix products through cuBLASLt, in strict fp32 (no TF32).
///
/// cuBLASLt is column-major: the row-major product C = op(A) op(B) is computed as the
/// column-major product C^T = op(B)^T op(A)^T, which reads the same memory without copies.
final class CublasLtMatmul: @unchecked Sendable {
    private let api: ccuda_cublaslt_api
    private let handle: UnsafeMutableRawPointer
    private let workspace: UInt64
    private let workspaceBytes = 32 << 20

    // cuBLAS enumerators used below (cublasComputeType_t, cudaDataType_t, attribute ids).
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

    /// A column-major layout of `rows` x `columns` with leading dimension `leading`, batched.
    private func layout(rows: Int, columns: Int, leading: Int, batchCount: Int, stride: Int)
        throws(CUDAError) -> UnsafeMutableRawPointer {
        var layout: UnsafeMutableRawPointer?
        try check(api.cublasLtMatrixLayoutCreate!(&layout, Self.real32F, UInt64(rows), UInt64(columns), Int64(leading)),
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

    /// output[m,n] = alpha * op(a) op(b) + beta * output for each of `batchCount` matrices (row-major).
    func run(output: UInt64, a: UInt64, b: UInt64, rows m: Int, columns n: Int, inner k: Int,
             transposeA: Bool, transposeB: Bool, alpha: Float, beta: Float,
             batchCount: Int, strides: (output: Int, a: Int, b: Int), driver: CUDADriver) throws(CUDAError) {
        try driver.makeCurrent()
        var description: UnsafeMutableRawPointer?
        try check(api.cublasLtMatmulDescCreate!(&description, Self.compute32F, Self.real32F), "cublasLtMatmulDescCreate")
        defer { _ = api.cublasLtMatmulDescDestroy!(description) }
        var operationFirst: Int32 = transposeB ? 1 : 0, operationSecond: Int32 = transposeA ? 1 : 0
        try check(api.cublasLtMatmulDescSetAttribute!(description, Self.transposeAAttribute, &operationFirst, 4),
                  "cublasLtMatmulDescSetAttribute(TRANSA)")
        try check(api.cublasLtMatmulDescSetAttribute!(description, Self.transposeBAttribute, &operationSecond, 4),
                  "cublasLtMatmulDescSetAttribute(TRANSB)")
        let first = try transposeB
            ? layout(rows: k, columns: n, leading: k, batchCount: batchCount, stride: strides.b)
            : layout(rows: n, columns: k, leading: n, batchCount: batchCount, stride: strides.b)
        defer { _ = api.cublasLtMatrixLayoutDestroy!(first) }
        let second = try transposeA
            ? layout(rows: m, columns: k, leading: m, batchCount: batchCount, stride: strides.a)
            : layout(rows: k, columns: m, leading: k, batchCount: batchCount, stride: strides.a)
        defer { _ = api.cublasLtMatrixLayoutDestroy!(second) }
        let result = try layout(rows: n, columns: m, leading: n, batchCount: batchCount, stride: strides.output)
        defer { _ = api.cublasLtMatrixLayoutDestroy!(result) }
        var preference: UnsafeMutableRawPointer?
        try check(api.cublasLtMatmulPreferenceCreate!(&preference), "cublasLtMatmulPreferenceCreate")
        defer { _ = api.cublasLtMatmulPreferenceDestroy!(preference) }
        var maximumWorkspace = UInt64(workspaceBytes)
        try check(api.cublasLtMatmulPreferenceSetAttribute!(preference, Self.maxWorkspaceAttribute, &maximumWorkspace, 8),
                  "cublasLtMatmulPreferenceSetAttribute(max workspace)")
        var heuristic = ccuda_matmul_heuristic()
        var found: Int32 = 0
        try check(api.cublasLtMatmulAlgoGetHeuristic!(handle, description, first, second, result, result, preference,
                                                      1, &heuristic, &found),
                  "cublasLtMatmulAlgoGetHeuristic(\(m)x\(n)x\(k), batch \(batchCount))")
        guard found > 0 else {
            throw .matmulCall(call: "cublasLtMatmulAlgoGetHeuristic(\(m)x\(n)x\(k)) found no algorithm", code: 15)
        }
        var alphaValue = alpha, betaValue = beta
        let status = withUnsafePointer(to: &heuristic.algorithm) { algorithm in
            api.cublasLtMatmul!(handle, description, &alphaValue,
                                UnsafeRawPointer(bitPattern: UInt(b)), first,
                                UnsafeRawPointer(bitPattern: UInt(a)), second, &betaValue,
                                UnsafeRawPointer(bitPattern: UInt(output)), result,
                                UnsafeMutableRawPointer(bitPattern: UInt(output)), result,
                                algorithm, UnsafeMutableRawPointer(bitPattern: UInt(workspace)),
                                min(heuristic.workspaceBytes, workspaceBytes), driver.stream)
        }
        try check(status, "cublasLtMatmul(\(m)x\(n)x\(k), batch \(batchCount))")
    }
}
