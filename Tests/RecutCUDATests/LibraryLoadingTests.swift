import Foundation
import RecutCUDA
import Testing

@Suite struct LibraryLoadingTests {
    @Test func missingDriverSaysSoAndHowToFixIt() {
        #expect {
            _ = try CUDALibraries.loadDriver(candidates: ["libcuda-recut-test-missing.so.1"])
        } throws: { error in
            guard case .noDriver(let detail) = error as? CUDAError else { return false }
            let message = (error as! CUDAError).description
            return detail.contains("libcuda-recut-test-missing.so.1")
                && message.hasPrefix("no CUDA driver: libcuda.so.1 not found") && message.contains("--device cpu")
        }
    }

    @Test func missingCompilerAndMatmulLibrariesNameTheLibrary() {
        #expect {
            _ = try CUDALibraries.loadCompiler(candidates: ["libnvrtc-recut-test-missing.so"])
        } throws: { error in
            guard case .libraryUnavailable(let library, _) = error as? CUDAError else { return false }
            return library == "libnvrtc"
        }
        #expect {
            _ = try CUDALibraries.loadMatmul(candidates: [])
        } throws: { error in
            guard case .libraryUnavailable(let library, let detail) = error as? CUDAError else { return false }
            return library == "libcublasLt" && detail.contains("no library names")
        }
    }

    @Test func libraryWithoutTheFunctionsIsRejectedNamingTheSymbol() {
        // libm loads everywhere and exports none of the driver's functions.
        #expect {
            _ = try CUDALibraries.loadDriver(candidates: ["libm.so.6"])
        } throws: { error in
            guard case .noDriver(let detail) = error as? CUDAError else { return false }
            return detail.contains("has no symbol cuInit")
        }
    }

    @Test func candidateNamesTryNewestVersionFirst() {
        #expect(Array(CUDALibraries.compiler.prefix(3)) == ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"])
        #expect(CUDALibraries.matmul.first == "libcublasLt.so.13")
        #expect(CUDALibraries.driver == ["libcuda.so.1"])
    }

    @Test func driverCallErrorsNameTheCall() {
        let error = CUDAError.driverCall(call: "cuMemAlloc(1024 bytes)", code: 2, name: "CUDA_ERROR_OUT_OF_MEMORY",
                                         message: "out of memory")
        #expect(error.description == "cuMemAlloc(1024 bytes) failed with CUDA_ERROR_OUT_OF_MEMORY (2): out of memory")
        #expect(CUDAError.matmulCall(call: "cublasLtMatmul", code: 7).description.contains("CUBLAS_STATUS_INVALID_VALUE"))
    }
}
