import CCUDA
import Foundation

/// The run-time compiler: turns a kernel source into a cubin for one GPU architecture.
public final class NVRTCCompiler: @unchecked Sendable {
    let api: ccuda_nvrtc_api
    /// The NVRTC version ("13.0"), part of every cache key.
    public let version: String

    /// Loads libnvrtc (see `CUDALibraries.compiler`).
    public init() throws(CUDAError) {
        api = try CUDALibraries.loadCompiler()
        var major: Int32 = 0, minor: Int32 = 0
        let result = api.nvrtcVersion!(&major, &minor)
        guard result == 0 else { throw .compilerCall(call: "nvrtcVersion", code: result, message: "") }
        version = "\(major).\(minor)"
    }

    /// The options for architecture `architecture` (90 gives sm_90): real machine code (no PTX JIT at load), precise math (no --use_fast_math).
    public static func options(architecture: Int) -> [String] {
        ["--gpu-architecture=sm_\(architecture)", "--std=c++17"]
    }

    private func check(_ result: Int32, _ call: String) throws(CUDAError) {
        guard result != 0 else { return }
        throw .compilerCall(call: call, code: result, message: api.nvrtcGetErrorString?(result).map { String(cString: $0) } ?? "")
    }

    /// Compiles `source` with `headers` available to #include by name; returns the cubin.
    public func compile(_ source: KernelSource, headers: [KernelSource], options: [String]) throws(CUDAError) -> [UInt8] {
        var program: UnsafeMutableRawPointer?
        let headerTexts = headers.map { strdup($0.text) }, headerNames = headers.map { strdup($0.name) }
        let optionTexts = options.map { strdup($0) }
        defer { (headerTexts + headerNames + optionTexts).forEach { free($0) } }
        let texts = headerTexts.map { UnsafePointer($0) }, names = headerNames.map { UnsafePointer($0) }
        let created = texts.withUnsafeBufferPointer { texts in
            names.withUnsafeBufferPointer { names in
                api.nvrtcCreateProgram!(&program, source.text, source.name, Int32(headers.count),
                                        texts.baseAddress, names.baseAddress)
            }
        }
        try check(created, "nvrtcCreateProgram(\(source.name))")
        defer { _ = api.nvrtcDestroyProgram!(&program) }
        let optionPointers = optionTexts.map { UnsafePointer($0) }
        let compiled = optionPointers.withUnsafeBufferPointer {
            api.nvrtcCompileProgram!(program, Int32(options.count), $0.baseAddress)
        }
        if compiled != 0 {
            throw .compilation(file: source.name, log: (try? log(program)) ?? "no log")
        }
        var size = 0
        try check(api.nvrtcGetCUBINSize!(program, &size), "nvrtcGetCUBINSize(\(source.name))")
        var image = [UInt8](repeating: 0, count: size)
        let fetched = image.withUnsafeMutableBufferPointer {
            api.nvrtcGetCUBIN!(program, UnsafeMutableRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self))
        }
        try check(fetched, "nvrtcGetCUBIN(\(source.name))")
        return image
    }

    private func log(_ program: UnsafeMutableRawPointer?) throws(CUDAError) -> String {
        var size = 0
        try check(api.nvrtcGetProgramLogSize!(program, &size), "nvrtcGetProgramLogSize")
        var text = [CChar](repeating: 0, count: max(size, 1))
        try check(api.nvrtcGetProgramLog!(program, &text), "nvrtcGetProgramLog")
        return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
