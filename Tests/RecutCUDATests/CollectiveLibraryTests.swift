import Foundation
import RecutCUDA
import Testing

@Suite struct CollectiveLibraryTests {
    @Test func missingNCCLSaysSoAndHowToFixIt() {
        #expect {
            _ = try CUDALibraries.loadCollectives(candidates: ["libnccl-recut-test-missing.so.2"])
        } throws: { error in
            guard case .noCollectives(let detail) = error as? CUDAError else { return false }
            let message = (error as! CUDAError).description
            return detail.contains("libnccl-recut-test-missing.so.2")
                && message.hasPrefix("NCCL unavailable: libnccl.so.2 not found") && message.contains("LD_LIBRARY_PATH")
        }
    }

    @Test func libraryWithoutTheCollectivesIsRejectedNamingTheSymbol() {
        #expect {
            _ = try CUDALibraries.loadCollectives(candidates: ["libm.so.6"])
        } throws: { error in
            guard case .noCollectives(let detail) = error as? CUDAError else { return false }
            return detail.contains("has no symbol ncclGetVersion")
        }
    }

    @Test func uniqueIDNeedsNCCL() {
        #expect {
            _ = try NCCLCommunicator.makeUniqueID(candidates: ["libnccl-recut-test-missing.so.2"])
        } throws: { error in
            if case .noCollectives = error as? CUDAError { true } else { false }
        }
    }

    @Test func defaultNamesTryTheInstalledSonameFirstAndLoadOrFailClearly() {
        #expect(CUDALibraries.collectives.first == "libnccl.so.2")
        do {
            _ = try CUDALibraries.loadCollectives()
        } catch {
            guard case .noCollectives = error else {
                Issue.record("unexpected error \(error)")
                return
            }
        }
    }

    @Test func collectiveCallErrorsNameTheCall() {
        let error = CUDAError.collectiveCall(call: "ncclAllReduce(10 elements)", code: 2, message: "unhandled system error")
        #expect(error.description == "ncclAllReduce(10 elements) failed with ncclResult 2: unhandled system error")
    }
}
