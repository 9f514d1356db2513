@testable import RecutCUDA
import Testing

@Suite struct KernelSourceTests {
    @Test func everyLaunchedKernelIsDefinedInItsEmbeddedFile() throws {
        for kernel in Kernel.allCases {
            let source = try #require(KernelSources.files[kernel.file], "\(kernel.file) is not embedded")
            // Launch bounds, when a kernel has them, stand between `void` and its name.
            let definition = try Regex("extern \"C\" __global__ void (__launch_bounds__\\([^)]*\\) )?\(kernel.rawValue)\\(")
            #expect(source.text.contains(definition), "\(kernel.rawValue) not defined in \(kernel.file)")
        }
    }

    @Test func everyKernelFileIsUsedAndIncludesOnlyEmbeddedHeaders() {
        let usedFiles = Set(Kernel.allCases.map(\.file))
        #expect(Set(KernelSources.files.keys) == usedFiles)
        let headerNames = Set(KernelSources.headers.map(\.name))
        for source in KernelSources.files.values + KernelSources.headers {
            for line in source.text.split(separator: "\n") where line.hasPrefix("#include") {
                let name = line.split(separator: "\"").dropFirst().first.map(String.init) ?? ""
                #expect(headerNames.contains(name), "\(source.name) includes \(line), which NVRTC will not find")
            }
        }
    }

    @Test func dropoutMaskMatchesTheCoreConstants() throws {
        let header = try #require(KernelSources.headers.first { $0.name == "dropout_mask.cuh" })
        for constant in ["0x9E3779B97F4A7C15", "0xBF58476D1CE4E5B9", "0x94D049BB133111EB", ">> 30", ">> 27", ">> 31", ">> 40"] {
            #expect(header.text.contains(constant), "dropout_mask.cuh lacks \(constant) of DropoutMask.uniform")
        }
    }

    @Test func compilerOptionsTargetTheDeviceArchitecture() {
        #expect(NVRTCCompiler.options(architecture: 90).contains("--gpu-architecture=sm_90"))
        #expect(NVRTCCompiler.options(architecture: 80).contains("--gpu-architecture=sm_80"))
    }
}
