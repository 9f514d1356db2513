#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import RecutCPU
import RecutData
import Testing
@testable import RecutTrain

/// A run never reports a diverged model, never mixes with another run in its folder, and stops
/// at a safe point when asked.
@Suite struct RunSafetyTests {
    /// `ResumeTests.config` with a learning rate that makes the loss NaN within a few steps.
    static var divergingConfig: TrainingConfig {
        var config = ResumeTests.config
        config.learningRate = 1e10
        return config
    }

    /// The error `trainer.run()` throws, failing the test when it returns.
    static func error(of trainer: Trainer) -> TrainError? {
        do {
            _ = try trainer.run()
            Issue.record("the run ended normally")
            return nil
        } catch let error as TrainError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    static func allFinite(_ tensors: [NamedTensor]) -> Bool {
        tensors.allSatisfy { tensor in
            switch tensor.values {
            case .float32(let values): values.allSatisfy(\.isFinite)
            case .float64(let values): values.allSatisfy(\.isFinite)
            case .int32, .int64: true
            }
        }
    }

    @Test func aDivergedRunStopsNamingTheFirstBadStepAndKeepsTheLastGoodCheckpoint() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var everyStep = Self.divergingConfig
        everyStep.checkpointEvery = 1
        let output = directory.path + "/every"
        guard case .diverged(let what, let step, let epoch, _) = Self.error(of: try ResumeTests.trainer(everyStep, output: output))
        else { Issue.record("no divergence reported"); return }
        #expect(what == "the loss" && epoch == 1 && step >= 2)
        // Every step before the bad one was saved; the bad one was not, and best/ never was.
        let store = CheckpointStore(directory: output)
        let last = try store.load(.last)
        #expect(last.state?.step == step - 1 && Self.allFinite(last.tensors) && Self.allFinite(last.state!.tensors))
        #expect(!FileManager.default.fileExists(atPath: store.folder(.best)))

        // Read only at the epoch's end, the loss sum still names the same step, not the one it was read at.
        var epochEnds = Self.divergingConfig
        epochEnds.checkpointEvery = nil
        let trainer = try ResumeTests.trainer(epochEnds, output: directory.path + "/ends")
        trainer.prefetchesSteps = false
        guard case .diverged(_, let sameStep, _, let kept) = Self.error(of: trainer) else { return }
        #expect(sameStep == step)
        #expect(kept.contains("never saved"))
    }

    /// Makes step `bad` of `trainer` compute with NaN weights (set after the step before, put back
    /// after it), so that its loss and gradients are NaN while every other step is sound; then
    /// runs `after` after each step.
    static func poison(step bad: Int, of trainer: Trainer, after: @escaping (Int) throws -> Void = { _ in }) {
        var saved: [Float] = []
        trainer.afterStep = { step in
            let parameters = trainer.model.parameters
            if step == bad - 1 {
                saved = CPUBackend().download(parameters)
                CPUBackend().fill(parameters, with: .nan)
            } else if step == bad {
                let restored = CPUBackend().upload(saved, shape: [saved.count])
                CPUBackend().copy(parameters, from: restored)
            }
            try after(step)
        }
    }

    @Test func skipStepLeavesABadStepOutAndGoesOn() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = ResumeTests.config
        config.onNonFinite = .skipStep
        config.checkpointEvery = nil  // a save would meet the poisoned weights before they are put back
        let trainer = try ResumeTests.trainer(config, output: directory.path)
        Self.poison(step: 3, of: trainer)
        let result = try trainer.run()
        #expect(result.test.model.summary.values.allSatisfy(\.isFinite) && Self.allFinite(trainer.weights))
        let epochs = try MetricsLog.read(from: directory.path + "/metrics.jsonl")
        #expect(epochs.map(\.skippedSteps) == [1, 0])
        #expect(epochs.allSatisfy { $0.trainLoss.isFinite })

        // Without skipping, the same step stops the run.
        var stopping = config
        stopping.onNonFinite = .stop
        let stopped = try ResumeTests.trainer(stopping, output: directory.path + "/stop")
        Self.poison(step: 3, of: stopped)
        guard case .diverged(let what, let step, _, _) = Self.error(of: stopped) else { return }
        #expect(what == "the loss" && step == 3)
    }

    @Test func theSkippedStepsOfAnEpochSurviveAResume() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = ResumeTests.config
        config.onNonFinite = .skipStep
        config.checkpointEvery = 3
        struct Crash: Error {}
        let crashing = try ResumeTests.trainer(config, output: directory.path)
        Self.poison(step: 2, of: crashing) { step in if step == 3 { throw Crash() } }
        #expect(throws: Crash.self) { try crashing.run() }
        #expect(try CheckpointStore(directory: directory.path).load(.last).state?.skippedStepsInEpoch == 1)
        _ = try ResumeTests.resumed(from: directory.path).run()
        #expect(try MetricsLog.read(from: directory.path + "/metrics.jsonl").map(\.skippedSteps) == [1, 0])
    }

    @Test func skipStepStopsARunWhoseEveryStepIsBad() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = Self.divergingConfig
        config.onNonFinite = .skipStep
        guard case .diverged(let what, _, let epoch, _) = Self.error(of: try ResumeTests.trainer(config, output: directory.path))
        else { Issue.record("no divergence reported"); return }
        #expect(what.contains("every step") && epoch == 2)
    }

    // Weights that turn non-finite after the epoch's last loss was computed are caught before the best/ save.
    @Test func nonFiniteWeightsAreNeverSaved() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = ResumeTests.config
        config.checkpointEvery = nil
        let trainer = try ResumeTests.trainer(config, output: directory.path)
        // 60 users in batches of 16: step 4 ends epoch 1.
        trainer.afterStep = { step in
            if step == 4 { CPUBackend().fill(trainer.model.parameters.view(offset: 0, shape: [1]), with: .infinity) }
        }
        guard case .diverged(let what, let step, let epoch, let kept) = Self.error(of: trainer) else {
            Issue.record("no divergence reported")
            return
        }
        #expect(what.hasPrefix("weight ") && step == 4 && epoch == 1 && kept.contains("never saved"))
        #expect(directory.contents() == [CheckpointStore.lockName, "metrics.jsonl", Trainer.tensorBoardFolder])
    }

    @Test func aFreshRunRefusesAFolderThatHoldsARunUnlessItReplacesIt() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = ResumeTests.config
        config.epochs = 1
        _ = try ResumeTests.trainer(config, output: directory.path).run()
        let results = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/results.json"))
        _ = FileManager.default.createFile(atPath: directory.path + "/notes.txt", contents: Data("mine".utf8))

        config.seed = 8
        let refused = Self.error(of: try ResumeTests.trainer(config, output: directory.path))
        #expect(refused == .runFolderNotEmpty(directory: directory.path,
                                              contents: ["best", "last", "metrics.jsonl", "notes.txt", "results.json",
                                                         "tb"]))
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/results.json")) == results)

        let replacing = try ResumeTests.trainer(config, output: directory.path)
        replacing.replacesExistingRun = true
        _ = try replacing.run()
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory.path + "/results.json")) != results)
        #expect(try CheckpointStore(directory: directory.path).load(.last).config.seed == 8)
        // The replaced run's TensorBoard file went with it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path + "/" + Trainer.tensorBoardFolder).count == 1)
        #expect(FileManager.default.fileExists(atPath: directory.path + "/notes.txt"))
        let lines = try String(contentsOfFile: directory.path + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
    }

    @Test func aRunFolderHoldsOneRunAtATime() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = ResumeTests.config
        config.epochs = 1
        let lock = try CheckpointStore(directory: directory.path).lockRun()
        let refused = Self.error(of: try ResumeTests.trainer(config, output: directory.path))
        #expect(refused == .runFolderLocked(directory: directory.path,
                                            holder: "process \(getpid()) on \(ProcessInfo.processInfo.hostName)"))
        #expect(directory.contents() == [CheckpointStore.lockName])
        lock.release()
        _ = try ResumeTests.trainer(config, output: directory.path).run()
        // The run released the lock when it ended.
        _ = try CheckpointStore(directory: directory.path).lockRun()
    }

    @Test func aStopRequestSavesLastBetweenStepsAndTheResumedRunEndsAsAnUninterruptedOne() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        var config = ResumeTests.config
        config.checkpointEvery = nil
        let whole = try ResumeTests.trainer(config, output: directory.path + "/whole")
        _ = try whole.run()

        let output = directory.path + "/stopped"
        let stopped = try ResumeTests.trainer(config, output: output)
        var stepsTaken = 0
        stopped.afterStep = { stepsTaken = $0 }
        stopped.stopRequest = { stepsTaken == 3 ? SIGINT : nil }
        #expect(Self.error(of: stopped) == .interrupted(signal: SIGINT, directory: output, step: 3))
        #expect(try CheckpointStore(directory: output).load(.last).state?.step == 3)

        let resumed = try ResumeTests.resumed(from: output)
        _ = try resumed.run()
        #expect(resumed.weights == whole.weights)
    }
}
