import RecutCore
import RecutCPU
import Testing
@testable import RecutTrain

/// Runs that cannot fit are refused before anything is allocated, naming what they need.
@Suite struct TrainingMemoryTests {
    private func refusal(_ change: (inout TrainingConfig) -> Void) throws -> String? {
        var config = ResumeTests.config
        change(&config)
        do {
            _ = try ResumeTests.trainer(config, output: TemporaryDirectory().path)
            return nil
        } catch let error as TrainError {
            guard case .doesNotFit = error else { throw error }
            return error.description
        }
    }

    @Test func hugeSizesAreRefusedWithTheBytesNeededAndFree() throws {
        let changes: [(String, (inout TrainingConfig) -> Void)] = [
            ("batch", { $0.batchSize = 100_000_000 }),
            ("max-length", { $0.maxLength = 100_000 }),
            ("dim", { $0.dimension = 1_000_000 }),
            ("negatives", { $0.negatives = 100_000_000 }),
        ]
        for (name, change) in changes {
            let message = try #require(try refusal(change), "--\(name) was not refused")
            #expect(message.contains("the run needs at least") && message.contains("are free"), "\(message)")
        }
        #expect(try refusal { _ in } == nil)
    }

    /// The estimate is a lower bound of what the CPU backend's ledger sees allocated.
    @Test func estimateStaysBelowTheAllocatedPeak() throws {
        let config = ResumeTests.config.resolved()
        let backend = CPUBackend()
        let dataset = try DatasetLoader.load(config).dataset
        let trainer = try Trainer(config: config, dataset: dataset, split: try split(dataset, strategy: config.split),
                                  backend: backend, store: nil)
        _ = trainer
        let estimate = TrainingMemory(config: config, catalogSize: dataset.itemCount, backend: backend, precision: .float32)
        #expect(estimate.total > 0)
        #expect(estimate.total <= Double(backend.memory.peakBytesInUse))
    }

    @Test func bytesAreFormattedInTheLargestUnit() {
        #expect(TrainingMemory.formatted(512) == "512 bytes")
        #expect(TrainingMemory.formatted(1_500_000_000) == "1.5 GB")
        #expect(TrainingMemory.formatted(85.1e12) == "85.1 TB")
    }
}
